using System.Globalization;
using System.Security.Claims;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// One change to many advisors: chosen by phone, or every advisor matching the table's search (<see cref="AdvisorSearch"/>).
/// Applied in batches, each its own unit of work; one audit entry per request, written with the first batch and brought up
/// to date by each later one, so at every commit it says exactly what has changed. Repeating a request changes nothing
/// more (every action sets a value; the second time they are "already so"). <c>dryRun</c> runs the same code and commits
/// nothing: the confirmation dialog's numbers are the ones the real run would produce.
/// </summary>
public static class AdvisorBulk
{
    public const int BatchSize = 500;
    public const int MaxPhones = 10_000;
    public const int MaxFailuresListed = 100;

    /// <summary>The actions, as the request spells them.</summary>
    public static readonly string[] Actions = ["set_language", "set_time_zone", "add_category", "remove_category", "opt_out", "opt_in"];

    /// <param name="Action">One of <see cref="Actions"/>.</param>
    /// <param name="Value">The language, time zone or category.</param>
    /// <param name="Reason">For opt_out and opt_in, required: the evidence (e.g. "signed forms, ticket 4411"), kept in each advisor's consent ledger.</param>
    /// <param name="Phones">Explicit advisors (at most <see cref="MaxPhones"/>); or else <paramref name="Search"/>.</param>
    /// <param name="Search">Every advisor the table's search finds (q, status), deleted ones excluded.</param>
    public sealed record BulkRequest(string? Action, string? Value = null, string? Reason = null, string[]? Phones = null, BulkSearch? Search = null, bool DryRun = false);

    public sealed record BulkSearch(string? Q, string? Status);

    public sealed record BulkFailure(string Phone, string Reason);

    /// <param name="Matched">Advisors the request named or its search found.</param>
    /// <param name="Changed">Changed by this request (with dryRun: would be).</param>
    /// <param name="Unchanged">Already so.</param>
    /// <param name="Failures">The first <see cref="MaxFailuresListed"/>, with reasons.</param>
    public sealed record BulkResult(string Action, bool DryRun, int Matched, int Changed, int Unchanged, int Failed, IReadOnlyList<BulkFailure> Failures);

    internal static void Map(RouteGroupBuilder advisors) =>
        advisors.MapPost("/bulk", BulkAsync).WithName("BulkUpdateAdvisors").RequireAdmin()
            .WithSummary("One action (set_language, set_time_zone, add_category, remove_category, opt_out, opt_in) for the advisors in phones, or for every advisor search (q, status) finds; dryRun counts without changing. Returns changed / unchanged / failed with reasons.");

    private static async Task<Results<Ok<BulkResult>, ProblemHttpResult>> BulkAsync(
        BulkRequest request, HubixDb db, ConsentService consent, LiveFeed feed, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        if (Check(request) is { } problem)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad bulk action", detail: problem);
        }

        return TypedResults.Ok(await RunAsync(request, db, consent, feed, time, user.Audit(AuditActions.AdvisorBulk, "advisors"), ct));
    }

    /// <summary>What is wrong with the request as a whole (nothing is changed then), or null.</summary>
    internal static string? Check(BulkRequest r)
    {
        if (r.Action is null || !Actions.Contains(r.Action))
        {
            return "action is one of " + string.Join(", ", Actions) + ".";
        }

        if ((r.Phones is null) == (r.Search is null))
        {
            return "give either phones (a list) or search ({q, status}), not both.";
        }

        if (r.Phones is { Length: > MaxPhones })
        {
            return $"at most {MaxPhones} phones in one request; use search for more.";
        }

        if (r.Search is { } s && new AdvisorSearch(s.Q, s.Status).Problem() is { } searchProblem)
        {
            return searchProblem;
        }

        var value = r.Value?.Trim();
        switch (r.Action)
        {
            case "set_language" or "set_time_zone" or "add_category" or "remove_category" when string.IsNullOrEmpty(value):
                return "value is required for " + r.Action + ".";
            case "set_language" or "set_time_zone" or "add_category" or "remove_category":
                var errors = new List<ImportError>();
                AdvisorImport.Validate(0, "919000000000", "", r.Action == "set_time_zone" ? value : null, r.Action == "set_language" ? value : null,
                    r.Action is "add_category" or "remove_category" ? value : null, errors);
                if (r.Action is "add_category" or "remove_category" && value!.Contains(';', StringComparison.Ordinal))
                {
                    errors.Add(new ImportError(0, "value", "one category, without ';'"));
                }

                return errors.Count > 0 ? string.Join("; ", errors.Select(e => $"{e.Field}: {e.Reason}")) : null;
            default:
                // Consent: ADR-008. An opt-in by someone other than the advisor needs the evidence of their consent; an
                // opt-out by an operator is recorded with why. Both go to each advisor's ledger.
                var reason = r.Reason?.Trim();
                if (string.IsNullOrEmpty(reason))
                {
                    return r.Action == "opt_in"
                        ? "reason is required: the evidence that these advisors asked to receive messages again (recorded in each one's consent history)."
                        : "reason is required: why these advisors are opted out (recorded in each one's consent history).";
                }

                return reason.Length > AdvisorEndpoints.MaxReasonLength || reason.Any(char.IsControl)
                    ? $"reason: at most {AdvisorEndpoints.MaxReasonLength} characters without control characters"
                    : null;
        }
    }

    internal static async Task<BulkResult> RunAsync(BulkRequest r, HubixDb db, ConsentService consent, LiveFeed feed, TimeProvider time, AuditNote audit, CancellationToken ct)
    {
        var action = r.Action!;
        int matched = 0, changed = 0, unchanged = 0, failed = 0;
        var failures = new List<BulkFailure>();
        void Fail(string phone, string reason)
        {
            failed++;
            if (failures.Count < MaxFailuresListed)
            {
                failures.Add(new BulkFailure(phone, reason));
            }
        }

        var chosenBy = r.Search is { } s ? "search " + new AdvisorSearch(s.Q, s.Status) : r.Phones!.Length.ToString(CultureInfo.InvariantCulture) + " phones";
        string Detail() => Clip($"{action}{(r.Value is null ? "" : " " + r.Value.Trim())}{(r.Reason is null ? "" : ": " + r.Reason.Trim())}; {chosenBy}; " +
            $"matched {matched}, changed {changed}, already so {unchanged}, failed {failed}", AuditNote.MaxDetail);
        AuditEntry? entry = null;

        // Explicit phones: normalised and checked first; the unknown and the malformed are failures, not errors.
        var phones = new List<string>();
        if (r.Phones is { } listed)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in listed)
            {
                var phone = AdvisorImport.NormalisePhone(raw, out var why);
                if (phone is null)
                {
                    matched++;
                    Fail(raw ?? "", "not a phone number: " + why);
                }
                else if (seen.Add(phone))
                {
                    phones.Add(phone);
                }
            }
        }

        string? cursor = null;
        var offset = 0;
        var search = r.Search is { } q ? new AdvisorSearch(q.Q, q.Status) : null;
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var work = await UnitOfWork.BeginAsync(db, now, ct);
            List<Advisor> batch;
            if (search is not null)
            {
                (batch, cursor) = await search.PageAsync(work.Db.Set<Advisor>(), cursor, BatchSize, ct);
            }
            else
            {
                var chunk = phones.Skip(offset).Take(BatchSize).ToList();
                offset += chunk.Count;
                batch = await work.Db.Set<Advisor>().Where(a => chunk.Contains(a.Phone)).ToListAsync(ct);
                foreach (var missing in chunk.Except(batch.Select(a => a.Phone), StringComparer.Ordinal))
                {
                    matched++;
                    Fail(missing, "no such advisor");
                }

                cursor = offset < phones.Count ? "more" : null;
            }

            foreach (var a in batch)
            {
                matched++;
                if (a.DeletedAt is not null)
                {
                    Fail(a.Phone, "deleted");
                    continue;
                }

                switch (Apply(work, consent, a, r, now))
                {
                    case null:
                        unchanged++;
                        break;
                    case "":
                        changed++;
                        a.UpdatedAt = now;
                        break;
                    case var why:
                        Fail(a.Phone, why);
                        break;
                }
            }

            var last = cursor is null;
            if (!r.DryRun)
            {
                // The entry says what has changed once this commits: written with the first batch, brought up to date by
                // each later one.
                var detail = Detail();
                if (entry is null)
                {
                    entry = (audit with { Detail = detail }).Add(work.Db, now);
                }
                else
                {
                    var id = entry.Id;
                    work.Write(async (connection, tx, token) =>
                    {
                        await using var cmd = connection.CreateCommand();
                        cmd.Transaction = tx;
                        cmd.CommandText = "UPDATE \"AuditEntries\" SET \"Detail\" = @detail WHERE \"Id\" = @id";
                        cmd.AddParameter("@detail", detail);
                        cmd.AddParameter("@id", id);
                        await cmd.ExecuteNonQueryAsync(token);
                    });
                }

                var batchChanged = changed;
                work.Publish(feed, new LiveEvent("advisors", now, null, new { action, changed = batchChanged, last }));
                await work.CommitAsync(ct);
            }

            if (last)
            {
                break;
            }
        }

        return new BulkResult(action, r.DryRun, matched, changed, unchanged, failed, failures);
    }

    /// <summary>The action on one advisor: "" when it changed, null when it was already so, else why it failed.</summary>
    private static string? Apply(UnitOfWork work, ConsentService consent, Advisor a, BulkRequest r, DateTime now)
    {
        var value = r.Value?.Trim() ?? "";
        switch (r.Action)
        {
            case "set_language":
                return Set(a.Language, value, v => a.Language = v);
            case "set_time_zone":
                return Set(a.TimeZone, value, v => a.TimeZone = v);
            case "add_category" or "remove_category":
                var category = value.ToLowerInvariant();
                var list = a.Categories.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                var has = list.Contains(category, StringComparer.Ordinal);
                if (r.Action == "add_category" ? has : !has)
                {
                    return null;
                }

                if (r.Action == "add_category")
                {
                    list.Add(category);
                }
                else
                {
                    list.Remove(category);
                }

                var joined = string.Join(';', list);
                if (joined.Length > 500)
                {
                    return "categories would be longer than 500 characters";
                }

                a.Categories = joined;
                return "";
            default:
                // The one consent rule set (ConsentService): the ledger row with source operator and the evidence, and an
                // opt-out cancels what is still queued for the advisor, in this same unit of work.
                var status = r.Action == "opt_out" ? AdvisorStatus.OptedOut : AdvisorStatus.Active;
                return consent.Change(work, a, status, "operator", "bulk: " + r.Reason!.Trim(), now) ? "" : null;
        }
    }

    private static string? Set(string current, string value, Action<string> set)
    {
        if (string.Equals(current, value, StringComparison.Ordinal))
        {
            return null;
        }

        set(value);
        return "";
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

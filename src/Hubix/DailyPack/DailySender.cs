using System.Globalization;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>A request to send the daily template now.</summary>
/// <param name="Trigger">scheduler, cli, api, demo.</param>
/// <param name="Date">A fixed pack date instead of each advisor's local today.</param>
/// <param name="Phone">Only this advisor.</param>
/// <param name="DryRun">Plan only; write nothing.</param>
/// <param name="Force">Ignore DailyAt and LatestAt (manual sends).</param>
public sealed record DailyRequest(string Trigger, DateOnly? Date = null, string? Phone = null, bool DryRun = false, bool Force = false);

public sealed record PlannedSend(string Phone, DateOnly LocalDate, long PackId, string Category);

public sealed record DailyRunResult(int Due, int Enqueued, int Skipped, IReadOnlyDictionary<string, int> Reasons, string? Note, IReadOnlyList<PlannedSend> Planned);

/// <summary>
/// Decides who gets the daily template now and enqueues it: one template per (advisor, local date), enforced by
/// the DailySend unique index in the same transaction as the outbox rows. Pre-flight: template APPROVED, pack
/// present and not empty; otherwise nothing is sent and the reason is counted in a <see cref="DailyRun"/>.
/// </summary>
public sealed class DailySender(
    HubixDb db,
    Outbox outbox,
    ITemplateCatalog templates,
    MediaUploader uploader,
    MessagingLimiter limiter,
    LiveFeed feed,
    IOptions<ScheduleOptions> schedule,
    IOptions<DailyTemplateOptions> template,
    TimeProvider time,
    ILogger<DailySender> logger)
{
    private const int ChunkSize = 1000;
    private readonly Lock _gate = new();
    private (string Reasons, DateTime At) _lastFailure = ("", DateTime.MinValue);

    private sealed record Candidate(long Id, string Phone, string Name, string TimeZone, string Categories, AdvisorStatus Status, string Language)
    {
        /// <summary>Set by the pre-flight: the template in the advisor's language, or the default.</summary>
        public DailyTemplateChoice? Template { get; init; }
    }

    /// <summary>Reason → count of advisors not sent to.</summary>
    private sealed class Reasons : Dictionary<string, int>
    {
        public Reasons()
            : base(StringComparer.Ordinal)
        {
        }

        public void Tally(string reason, int n = 1) => this[reason] = this.GetValueOrDefault(reason) + n;
    }

    public async Task<DailyRunResult> RunAsync(DailyRequest request, CancellationToken ct)
    {
        var started = time.GetUtcNow().UtcDateTime;
        var reasons = new Reasons();
        await using var context = db.CreateDbContext();
        var advisors = await CandidatesAsync(context, request, reasons, ct);
        var (due, late) = WhoIsDue(advisors, request, started, reasons);
        await DropDoneAsync(context, request, due, late, reasons, ct);
        if (due.Count == 0 && late.Count == 0 && (request.Trigger == "scheduler" || reasons.Count == 0))
        {
            return new DailyRunResult(0, 0, 0, reasons, null, []);
        }

        var (toSend, note) = await PreflightAsync(context, due, reasons, ct);
        var budget = await limiter.ApplyAsync(toSend.Select(s => s.Advisor.Id).ToList(), started, ct);
        var overLimit = toSend.Where(s => budget.Over.Contains(s.Advisor.Id)).ToList();
        toSend.RemoveAll(s => budget.Over.Contains(s.Advisor.Id));
        note ??= budget.Note;
        var planned = toSend.Select(s => new PlannedSend(s.Advisor.Phone, s.Date, s.Pack.Id, s.Pack.Category)).ToList();
        if (request.DryRun)
        {
            if (late.Count > 0)
            {
                reasons.Tally("after_cutoff", late.Count);
            }

            if (overLimit.Count > 0)
            {
                reasons.Tally("messaging_limit", overLimit.Count);
            }

            return new DailyRunResult(due.Count + late.Count, 0, late.Count + overLimit.Count, reasons, note, planned);
        }

        var (enqueued, skipped) = await SendAsync(toSend, late, started, ct);
        if (skipped > 0)
        {
            reasons.Tally("after_cutoff", skipped);
        }

        var limited = 0;
        foreach (var chunk in overLimit.Chunk(ChunkSize))
        {
            limited += await SkipChunkAsync(chunk.Select(c => (c.Advisor, c.Date)).ToList(), "messaging_limit", started, ct);
        }

        if (limited > 0)
        {
            reasons.Tally("messaging_limit", limited);
            limiter.Alert(limited, note);
            skipped += limited;
        }

        var run = new DailyRun
        {
            StartedAt = started, Trigger = request.Trigger, Due = due.Count + late.Count, Enqueued = enqueued, Skipped = skipped,
            Reasons = JsonSerializer.Serialize(reasons, ScheduleJson.Default.DictionaryStringInt32), Note = note is { Length: > 1024 } ? note[..1024] : note,
        };
        if (!IsRepeatedFailure(request, run))
        {
            await RecordAsync(run, ct);
        }

        return new DailyRunResult(run.Due, enqueued, skipped, reasons, note, planned);
    }

    /// <summary>Advisors not deleted (one, when the request names a phone).</summary>
    private static async Task<List<Candidate>> CandidatesAsync(HubixDbContext context, DailyRequest request, Reasons reasons, CancellationToken ct)
    {
        var query = context.Set<Advisor>().AsNoTracking().Where(a => a.DeletedAt == null);
        if (request.Phone is not null)
        {
            query = query.Where(a => a.Phone == request.Phone);
        }

        var advisors = await query.Select(a => new Candidate(a.Id, a.Phone, a.Name, a.TimeZone, a.Categories, a.Status, a.Language)).ToListAsync(ct);
        if (request.Phone is not null && advisors.Count == 0)
        {
            reasons.Tally("unknown_advisor");
        }

        return advisors;
    }

    /// <summary>Who is due: local time past DailyAt today (or forced), opted-in; split off those already past the cutoff.</summary>
    private (List<(Candidate Advisor, DateOnly Date)> Due, List<(Candidate Advisor, DateOnly Date)> Late) WhoIsDue(
        List<Candidate> advisors, DailyRequest request, DateTime now, Reasons reasons)
    {
        var o = schedule.Value;
        var due = new List<(Candidate Advisor, DateOnly Date)>();
        var late = new List<(Candidate Advisor, DateOnly Date)>();
        foreach (var a in advisors)
        {
            var local = AdvisorClock.LocalNow(a.TimeZone, now);
            var date = request.Date ?? DateOnly.FromDateTime(local);
            if (!request.Force && request.Date is null && local.TimeOfDay < o.DailyAt)
            {
                continue;
            }

            if (a.Status == AdvisorStatus.OptedOut)
            {
                reasons.Tally("opted_out");
                continue;
            }

            if (!request.Force && request.Date is null && local.TimeOfDay >= o.LatestAt)
            {
                late.Add((a, date));
            }
            else
            {
                due.Add((a, date));
            }
        }

        return (due, late);
    }

    /// <summary>Drops those that already have their day (sent or skipped).</summary>
    private static async Task DropDoneAsync(
        HubixDbContext context, DailyRequest request, List<(Candidate Advisor, DateOnly Date)> due, List<(Candidate Advisor, DateOnly Date)> late,
        Reasons reasons, CancellationToken ct)
    {
        var done = await ExistingAsync(context, due.Concat(late).Select(d => d.Date).Distinct().ToList(), ct);
        var alreadyDone = due.Count(d => done.Contains((d.Advisor.Id, d.Date)));
        if (alreadyDone > 0 && (request.Phone is not null || request.Trigger != "scheduler"))
        {
            reasons.Tally("already_sent", alreadyDone);
        }

        due.RemoveAll(d => done.Contains((d.Advisor.Id, d.Date)));
        late.RemoveAll(d => done.Contains((d.Advisor.Id, d.Date)));
    }

    /// <summary>The template must be approved, and each advisor needs a pack with items; returns who can be sent to.</summary>
    private async Task<(List<(Candidate Advisor, DateOnly Date, PackSummary Pack)> ToSend, string? Note)> PreflightAsync(
        HubixDbContext context, List<(Candidate Advisor, DateOnly Date)> due, Reasons reasons, CancellationToken ct)
    {
        var toSend = new List<(Candidate Advisor, DateOnly Date, PackSummary Pack)>();
        if (due.Count == 0)
        {
            return (toSend, null);
        }

        var t = template.Value;
        var check = await templates.CheckAsync(t.Name, t.Language, ct);
        if (!check.Ok)
        {
            reasons.Tally(check.Reason ?? "template_unavailable", due.Count);
            return (toSend, check.Detail);
        }

        var byLanguage = await TemplatesByLanguageAsync(due.Select(d => d.Advisor.Language), ct);
        var packs = await PackResolver.LoadAsync(context, due.Select(d => d.Date).Distinct().ToList(), ct);
        foreach (var (a, date) in due)
        {
            var pack = packs.TryGetValue(date, out var list) ? PackResolver.Choose(list, a.Categories) : null;
            if (pack is null)
            {
                reasons.Tally("no_pack");
            }
            else if (!pack.Approved)
            {
                reasons.Tally(PackStates.NotApprovedReason);
            }
            else if (pack.ItemCount == 0)
            {
                reasons.Tally("pack_empty");
            }
            else
            {
                toSend.Add((a with { Template = byLanguage[a.Language] }, date, pack));
            }
        }

        return (toSend, null);
    }

    /// <summary>
    /// The template per advisor language (Hubix:Templates:Daily:Languages), each pre-flighted; a language whose template
    /// is not configured or not sendable gets the default (already checked), marked as a fallback.
    /// </summary>
    private async Task<Dictionary<string, DailyTemplateChoice>> TemplatesByLanguageAsync(IEnumerable<string> languages, CancellationToken ct)
    {
        var t = template.Value;
        var result = new Dictionary<string, DailyTemplateChoice>(StringComparer.Ordinal);
        foreach (var lang in languages.Distinct(StringComparer.Ordinal))
        {
            var choice = t.For(lang);
            if (!choice.Fallback && choice != t.Default)
            {
                var check = await templates.CheckAsync(choice.Name, choice.Language, ct);
                if (!check.Ok)
                {
                    logger.LogWarning("Daily template {Name} ({Language}) for advisors in {AdvisorLanguage} is not sendable ({Reason}); they get the default", choice.Name, choice.Language, lang, check.Reason);
                    choice = t.Default with { Fallback = true };
                }
            }

            result[lang] = choice;
        }

        return result;
    }

    /// <summary>Uploads the packs' media, then enqueues the templates and records the late ones as skipped, in chunks.</summary>
    private async Task<(int Enqueued, int Skipped)> SendAsync(
        List<(Candidate Advisor, DateOnly Date, PackSummary Pack)> toSend, List<(Candidate Advisor, DateOnly Date)> late, DateTime now, CancellationToken ct)
    {
        // Upload media of the packs about to be announced, so taps find ids ready (network: here, never in the inbox).
        if (toSend.Count > 0)
        {
            var dates = toSend.Select(s => s.Date).ToList();
            await uploader.EnsureUploadedForDatesAsync(dates.Min(), dates.Max(), ct);
        }

        var enqueued = 0;
        foreach (var chunk in toSend.Chunk(ChunkSize))
        {
            enqueued += await EnqueueChunkAsync(chunk, now, ct);
        }

        var skipped = 0;
        foreach (var chunk in late.Chunk(ChunkSize))
        {
            skipped += await SkipChunkAsync(chunk.Select(c => (c.Advisor, c.Date)).ToList(), "after_cutoff", now, ct);
        }

        return (enqueued, skipped);
    }

    /// <summary>The same pre-flight failure every scheduler tick is one story: it is recorded once per 10 minutes.</summary>
    private bool IsRepeatedFailure(DailyRequest request, DailyRun run)
    {
        if (request.Trigger != "scheduler" || run.Enqueued != 0 || run.Skipped != 0)
        {
            return false;
        }

        lock (_gate)
        {
            if (_lastFailure.Reasons == run.Reasons && run.StartedAt - _lastFailure.At < TimeSpan.FromMinutes(10))
            {
                return true;
            }

            _lastFailure = (run.Reasons, run.StartedAt);
            return false;
        }
    }

    /// <summary>Stores the run and, when it queued or skipped anything or has reasons, announces it on the live feed.</summary>
    private async Task RecordAsync(DailyRun run, CancellationToken ct)
    {
        run.FinishedAt = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, run.FinishedAt, ct);
        work.Db.Add(run);
        var reasons = JsonSerializer.Deserialize(run.Reasons, ScheduleJson.Default.DictionaryStringInt32) ?? [];
        if (run.Enqueued > 0 || run.Skipped > 0 || reasons.Count > 0)
        {
            work.AfterSave(() => work.Publish(feed, new LiveEvent("daily_run", run.FinishedAt, null, new
            {
                runId = run.Id, trigger = run.Trigger, startedAt = run.StartedAt, finishedAt = run.FinishedAt, due = run.Due, enqueued = run.Enqueued,
                skipped = run.Skipped, reasons, note = run.Note,
            })));
            logger.LogInformation("Daily run ({Trigger}): {Enqueued} enqueued, {Skipped} skipped, reasons {Reasons}", run.Trigger, run.Enqueued, run.Skipped, run.Reasons);
        }

        await work.CommitAsync(ct);
    }

    private static async Task<HashSet<(long, DateOnly)>> ExistingAsync(HubixDbContext context, List<DateOnly> dates, CancellationToken ct)
    {
        if (dates.Count == 0)
        {
            return [];
        }

        var rows = await context.Set<DailySend>().AsNoTracking().Where(s => dates.Contains(s.LocalDate)).Select(s => new { s.AdvisorId, s.LocalDate }).ToListAsync(ct);
        return rows.Select(r => (r.AdvisorId, r.LocalDate)).ToHashSet();
    }

    /// <summary>One unit of work: DailySend rows and their templates. A concurrent scheduler that got there first makes the
    /// unique index fail; then we drop what it already did and try once more.</summary>
    private async Task<int> EnqueueChunkAsync(IReadOnlyList<(Candidate Advisor, DateOnly Date, PackSummary Pack)> chunk, DateTime now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var work = await UnitOfWork.BeginAsync(db, now, ct);
            try
            {
                var done = await ExistingAsync(work.Db, chunk.Select(c => c.Date).Distinct().ToList(), ct);
                var fresh = chunk.Where(c => !done.Contains((c.Advisor.Id, c.Date))).ToList();
                var requests = new List<OutboxRequest>(fresh.Count);
                foreach (var (a, date, pack) in fresh)
                {
                    var key = OutboxKey(a.Phone, date);
                    work.Db.Add(new DailySend
                    {
                        AdvisorId = a.Id, Phone = a.Phone, LocalDate = date, PackId = pack.Id, State = DailySendState.Queued, OutboxKey = key, CreatedAt = now,
                        AdvisorLanguage = a.Language, TemplateLanguage = (a.Template ?? template.Value.Default).Language, LanguageFallback = a.Template?.Fallback ?? false,
                    });
                    requests.Add(TemplateRequest(a, date, pack, key, now));
                }

                await outbox.EnqueueAsync(work, requests, ct);
                await work.CommitAsync(ct);
                return fresh.Count;
            }
            catch (DbUpdateException ex) when (attempt < 2)
            {
                logger.LogInformation("Daily chunk collided with another scheduler ({Error}); retrying without the rows it did", ex.InnerException?.Message ?? ex.Message);
            }
        }
    }

    /// <summary>The template for one advisor and day; it expires at the end of their local day (at least an hour from now).</summary>
    private OutboxRequest TemplateRequest(Candidate a, DateOnly date, PackSummary pack, string key, DateTime now)
    {
        var t = template.Value;
        var chosen = a.Template ?? t.Default;
        var message = OutboundMessage.Template(a.Phone, chosen.Name, chosen.Language,
            [CategoryLabel(pack.Category), ContentRender.FormatDate(date), string.IsNullOrWhiteSpace(pack.Description) ? "Today's content" : pack.Description],
            t.EffectiveButtons.Select(prefix => UnlockScopes.Payload(prefix, date, pack.Id)));
        var endOfDay = AdvisorClock.ToUtc(a.TimeZone, date.AddDays(1), TimeOnly.MinValue);
        var expires = endOfDay > now + TimeSpan.FromHours(1) ? endOfDay : now + TimeSpan.FromHours(12);
        return new OutboxRequest(message, key, OutboxPurpose.Daily, OutboxPriority.Background, ExpiresAt: expires, PackId: pack.Id, PackVersion: pack.Version);
    }

    private async Task<int> SkipChunkAsync(IReadOnlyList<(Candidate Advisor, DateOnly Date)> chunk, string reason, DateTime now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var work = await UnitOfWork.BeginAsync(db, now, ct);
            try
            {
                var done = await ExistingAsync(work.Db, chunk.Select(c => c.Date).Distinct().ToList(), ct);
                var fresh = chunk.Where(c => !done.Contains((c.Advisor.Id, c.Date))).ToList();
                work.Db.AddRange(fresh.Select(c => new DailySend
                {
                    AdvisorId = c.Advisor.Id, Phone = c.Advisor.Phone, LocalDate = c.Date, State = DailySendState.Skipped, Reason = reason, CreatedAt = now,
                    AdvisorLanguage = c.Advisor.Language,
                }));
                await work.CommitAsync(ct);
                return fresh.Count;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
            }
        }
    }

    public static string OutboxKey(string phone, DateOnly date) => string.Create(CultureInfo.InvariantCulture, $"daily:{phone}:{date:yyyy-MM-dd}");

    internal static string CategoryLabel(string category) =>
        string.IsNullOrEmpty(category) ? "Daily" : char.ToUpperInvariant(category[0]) + category[1..].Replace('_', ' ').Replace('-', ' ');
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class ScheduleJson : System.Text.Json.Serialization.JsonSerializerContext;

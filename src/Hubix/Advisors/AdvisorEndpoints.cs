using System.Security.Claims;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>The advisors API: CRUD, CSV import, consent history, unknown senders.</summary>
public static class AdvisorEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/advisors").RequireViewer().WithTags("Advisors");
        api.MapGet("/", ListAsync).WithName("ListAdvisors").WithPaging()
            .WithSummary("Advisors by phone (limit=, default and max 1000), or q= a phone prefix (digits) or a name prefix (by name); the next page's cursor is in the X-Next-Cursor header.");
        api.MapGet("/{phone}", GetAsync).WithName("GetAdvisor");
        api.MapGet("/{phone}/consent", ConsentAsync).WithName("GetAdvisorConsent");
        api.MapPost("/", CreateAsync).WithName("CreateAdvisor").RequireAdmin();
        api.MapPatch("/{phone}", PatchAsync).WithName("UpdateAdvisor").RequireAdmin();
        api.MapDelete("/{phone}", DeleteAsync).WithName("DeleteAdvisor").RequireAdmin();
        AdvisorBulk.Map(api);
        api.MapPost("/import", ImportAsync).WithName("ImportAdvisors").RequireAdmin().DisableAntiforgery();
        api.MapPost("/import/preview", PreviewImportAsync).WithName("PreviewAdvisorImport").RequireAdmin().DisableAntiforgery()
            .WithSummary("Dry run of /import: every row with what it would do (create, update, unchanged) and every error with its row number; changes nothing.");
        app.MapGroup("/api/unknown-senders").RequireViewer().WithTags("Advisors").MapGet("/", UnknownAsync).WithName("ListUnknownSenders").WithPaging()
            .WithSummary("People who wrote but are not advisors, last seen first (limit=, default 500, max 1000); next cursor in X-Next-Cursor.");
    }

    public sealed record AdvisorDto(
        string Phone, string? UserId, string Name, string TimeZone, string Language, string[] Categories, string Status,
        DateTime CreatedAt, DateTime? LastInboundAt, DateTime? DeletedAt);

    /// <param name="Reason">Why the status changes: required to re-activate an opted-out advisor (the evidence of their new
    /// consent, e.g. "signed form 2026-11-30, ticket 4411"), optional otherwise; recorded in the consent ledger.</param>
    public sealed record AdvisorRequest(string? Phone, string? Name, string? TimeZone, string? Language, string[]? Categories, string? Status, string? Reason = null);

    /// <summary>Longest <see cref="AdvisorRequest.Reason"/> (the ledger's detail column holds 512).</summary>
    public const int MaxReasonLength = 500;

    public sealed record ConsentDto(DateTime At, string Status, string Source, string? Detail);

    internal static AdvisorDto ToDto(this Advisor a) => new(
        a.Phone, a.UserId, a.Name, a.TimeZone, a.Language, a.Categories.Split(';', StringSplitOptions.RemoveEmptyEntries),
        StatusName(a.Status), a.CreatedAt, a.LastInboundAt, a.DeletedAt);

    public static string StatusName(AdvisorStatus s) => s == AdvisorStatus.OptedOut ? "opted_out" : "active";

    public const int MaxPage = 1000;

    /// <summary>Longest search text; a prefix longer than a name finds nothing anyway.</summary>
    public const int MaxSearchLength = 100;

    /// <summary>
    /// Keyset pages. Without <c>q</c>, by phone. With digits in <c>q</c>, a phone prefix: a range on the unique phone index.
    /// With letters, a name prefix, case-insensitive: a range on the expression index <c>lower(Name), Phone</c>
    /// (migration AdvisorNameSearch), ordered by it, so a page costs the same at 100 or 100,000 advisors. A prefix, not a
    /// substring: "contains" cannot use a B-tree index and would read every row.
    /// </summary>
    private static async Task<Results<Ok<List<AdvisorDto>>, ProblemHttpResult>> ListAsync(
        HubixDb db, HttpResponse response, string? status, bool? includeDeleted, string? q, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, MaxPage, MaxPage);
        var search = new AdvisorSearch(q, status, includeDeleted == true);
        if (search.Problem() is { } problem)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad search", detail: problem);
        }

        await using var context = db.CreateDbContext();
        var (rows, next) = await search.PageAsync(context.Set<Advisor>().AsNoTracking(), cursor, take, ct);
        Paging.SetNext(response, next);
        return TypedResults.Ok(rows.Select(a => a.ToDto()).ToList());
    }

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/> (ordinal): its last character plus one.</summary>
    internal static string UpperBound(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static async Task<Results<Ok<AdvisorDto>, NotFound>> GetAsync(string phone, HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var normalised = AdvisorImport.NormalisePhone(phone, out _) ?? phone;
        var a = await context.Set<Advisor>().AsNoTracking().SingleOrDefaultAsync(x => x.Phone == normalised, ct);
        return a is null ? TypedResults.NotFound() : TypedResults.Ok(a.ToDto());
    }

    private static async Task<Results<Ok<List<ConsentDto>>, NotFound>> ConsentAsync(string phone, HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var normalised = AdvisorImport.NormalisePhone(phone, out _) ?? phone;
        var rows = await context.Set<ConsentEvent>().AsNoTracking().Where(c => c.Phone == normalised).OrderBy(c => c.Id).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(c => new ConsentDto(c.At, StatusName(c.Status), c.Source, c.Detail)).ToList());
    }

    private static ProblemHttpResult Invalid(IEnumerable<ImportError> errors)
    {
        var list = errors.Select(e => e.Row == 0 ? $"{e.Field}: {e.Reason}" : e.ToString()).ToList();
        return TypedResults.Problem(statusCode: 400, title: "Advisor not valid", detail: string.Join("; ", list),
            extensions: new Dictionary<string, object?> { ["errors"] = list });
    }

    private static async Task<Results<Created<AdvisorDto>, Ok<AdvisorDto>, ProblemHttpResult>> CreateAsync(
        AdvisorRequest body, HubixDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new List<ImportError>();
        var input = AdvisorImport.Validate(0, body.Phone, body.Name, body.TimeZone, body.Language, string.Join(';', body.Categories ?? []), errors);
        if (input is null)
        {
            return Invalid(errors);
        }

        var (created, _) = await AdvisorImport.UpsertAsync(db, [input], time.GetUtcNow().UtcDateTime, ct, user.Audit(AuditActions.AdvisorCreate, input.Phone, "POST /api/advisors: "));
        await using var context = db.CreateDbContext();
        var a = await context.Set<Advisor>().AsNoTracking().SingleAsync(x => x.Phone == input.Phone, ct);
        return created > 0 ? TypedResults.Created($"/api/advisors/{a.Phone}", a.ToDto()) : TypedResults.Ok(a.ToDto());
    }

    /// <summary>
    /// Changes the given fields; <c>status</c> (active / opted_out) is recorded in the consent ledger with source
    /// <c>operator</c> and the <c>reason</c> as detail. An opted-out advisor is re-activated only with a <c>reason</c> (the
    /// evidence that they asked for it): without one the answer is 409 and nothing changes. Their own START needs none.
    /// </summary>
    private static async Task<Results<Ok<AdvisorDto>, NotFound, ProblemHttpResult>> PatchAsync(
        string phone, AdvisorRequest body, HubixDb db, ConsentService consent, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var context = work.Db;
        var normalised = AdvisorImport.NormalisePhone(phone, out _) ?? phone;
        var a = await context.Set<Advisor>().SingleOrDefaultAsync(x => x.Phone == normalised, ct);
        if (a is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new List<ImportError>();
        var input = AdvisorImport.Validate(0, a.Phone, body.Name ?? a.Name, body.TimeZone ?? a.TimeZone, body.Language ?? a.Language,
            body.Categories is null ? a.Categories : string.Join(';', body.Categories), errors);
        if (body.Phone is not null && AdvisorImport.NormalisePhone(body.Phone, out _) != a.Phone)
        {
            errors.Add(new ImportError(0, "phone", "cannot be changed; delete and create the advisor instead"));
        }

        AdvisorStatus? status = body.Status switch
        {
            null => null,
            "active" => AdvisorStatus.Active,
            "opted_out" => AdvisorStatus.OptedOut,
            _ => null,
        };
        if (body.Status is not null && status is null)
        {
            errors.Add(new ImportError(0, "status", $"'{body.Status}' is not active or opted_out"));
        }

        var reason = string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim();
        if (reason is { Length: > MaxReasonLength } || reason?.Any(char.IsControl) == true)
        {
            errors.Add(new ImportError(0, "reason", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"must be at most {MaxReasonLength} characters without control characters")));
        }

        if (input is null || errors.Count > 0)
        {
            return Invalid(errors);
        }

        if (status == AdvisorStatus.Active && a.Status == AdvisorStatus.OptedOut && reason is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Advisor opted out",
                detail: $"{a.Phone} opted out; only their own START or an operator with evidence of their new consent re-activates them. " +
                    "Send {\"status\": \"active\", \"reason\": \"...\"} with that evidence (recorded in the consent ledger).",
                extensions: new Dictionary<string, object?> { ["reason"] = "opted_out_needs_reason" });
        }

        var changes = Changes(a, input);
        a.Name = input.Name;
        a.TimeZone = input.TimeZone;
        a.Language = input.Language;
        a.Categories = input.Categories;
        a.UpdatedAt = now;
        if (changes.Length > 0)
        {
            user.Audit(AuditActions.AdvisorUpdate, a.Phone, changes).Add(work.Db, now);
        }

        if (status is { } s)
        {
            // Who did it is in the audit trail; the ledger keeps the evidence.
            if (consent.Change(work, a, s, "operator", reason ?? "PATCH /api/advisors", now))
            {
                user.Audit(AuditActions.AdvisorConsent, a.Phone, "status " + StatusName(s) + (reason is null ? "" : ": " + reason)).Add(work.Db, now);
            }
        }

        await work.CommitAsync(ct);
        return TypedResults.Ok(a.ToDto());
    }

    /// <summary>The fields a PATCH changes, as "field: old → new" for the audit trail.</summary>
    private static string Changes(Advisor a, AdvisorInput input) => string.Join("; ", new[]
    {
        a.Name == input.Name ? null : $"name: {a.Name} → {input.Name}",
        a.TimeZone == input.TimeZone ? null : $"timezone: {a.TimeZone} → {input.TimeZone}",
        a.Language == input.Language ? null : $"language: {a.Language} → {input.Language}",
        a.Categories == input.Categories ? null : $"categories: {a.Categories} → {input.Categories}",
    }.OfType<string>());

    /// <summary>Soft delete: the history stays, the advisor gets nothing and is treated as an unknown sender.</summary>
    private static async Task<Results<NoContent, NotFound>> DeleteAsync(string phone, HubixDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var normalised = AdvisorImport.NormalisePhone(phone, out _) ?? phone;
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var a = await work.Db.Set<Advisor>().SingleOrDefaultAsync(x => x.Phone == normalised && x.DeletedAt == null, ct);
        if (a is null)
        {
            return TypedResults.NotFound();
        }

        a.DeletedAt = now;
        a.UpdatedAt = now;
        user.Audit(AuditActions.AdvisorDelete, a.Phone, a.Name).Add(work.Db, now);
        await work.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>CSV as the body (text/csv) or as a multipart file; <c>?skipInvalid=true</c> imports the good rows of a file with errors.</summary>
    private static async Task<Results<Ok<AdvisorImportResult>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, HubixDb db, TimeProvider time, ClaimsPrincipal user, bool? skipInvalid, CancellationToken ct)
    {
        string csv;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.FirstOrDefault();
            if (file is null)
            {
                return TypedResults.Problem(statusCode: 400, title: "No file", detail: "file: send the CSV as a multipart file or as the request body");
            }

            using var reader = new StreamReader(file.OpenReadStream());
            csv = await reader.ReadToEndAsync(ct);
        }
        else
        {
            using var reader = new StreamReader(request.Body);
            csv = await reader.ReadToEndAsync(ct);
        }

        var result = await AdvisorImport.ImportCsvAsync(db, csv, skipInvalid == true, time.GetUtcNow().UtcDateTime, ct, user.Audit(AuditActions.AdvisorImport, "advisors", "CSV import: "));
        if (!result.Applied)
        {
            var list = result.Errors.Select(e => e.ToString()).ToList();
            return TypedResults.Problem(statusCode: 400, title: "Nothing imported: the file has errors",
                detail: string.Join("; ", list) + (result.Errors.All(e => e.Row > 1) ? ". Fix them, or add ?skipInvalid=true to import the valid rows." : ""),
                extensions: new Dictionary<string, object?> { ["errors"] = list });
        }

        return TypedResults.Ok(result);
    }

    /// <summary>One CSV row as the import would apply it.</summary>
    /// <param name="Row">The line's number in the file (the header is row 1), as in the errors.</param>
    /// <param name="Action"><c>create</c>, <c>update</c> or <c>unchanged</c>.</param>
    public sealed record ImportPreviewRow(int Row, string Phone, string Name, string TimeZone, string Language, string Categories, string Action, string? Consent);

    /// <param name="Rows">The valid rows (at most <see cref="MaxPreviewRows"/>; the counts cover them all).</param>
    /// <param name="Errors">Every error, with its row number; the import refuses the file while there are any (unless skipInvalid).</param>
    public sealed record ImportPreview(int Valid, int Create, int Update, int Unchanged, int InvalidRows, IReadOnlyList<ImportPreviewRow> Rows, IReadOnlyList<ImportError> Errors);

    public const int MaxPreviewRows = 500;

    private static async Task<string?> ReadCsvAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.FirstOrDefault();
            if (file is null)
            {
                return null;
            }

            using var fileReader = new StreamReader(file.OpenReadStream());
            return await fileReader.ReadToEndAsync(ct);
        }

        using var reader = new StreamReader(request.Body);
        return await reader.ReadToEndAsync(ct);
    }

    /// <summary>The same parse and validation as <c>/import</c>, then a read of which phones exist; nothing is written.</summary>
    private static async Task<Results<Ok<ImportPreview>, ProblemHttpResult>> PreviewImportAsync(HttpRequest request, HubixDb db, TimeProvider time, CancellationToken ct)
    {
        var csv = await ReadCsvAsync(request, ct);
        if (csv is null)
        {
            return TypedResults.Problem(statusCode: 400, title: "No file", detail: "file: send the CSV as a multipart file or as the request body");
        }

        var (rows, errors) = AdvisorImport.Parse(csv, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        await using var context = db.CreateDbContext();
        var existing = new Dictionary<string, Advisor>(StringComparer.Ordinal);
        foreach (var chunk in rows.Select(r => r.Advisor.Phone).Chunk(500))
        {
            foreach (var a in await context.Set<Advisor>().AsNoTracking().Where(a => chunk.Contains(a.Phone)).ToListAsync(ct))
            {
                existing[a.Phone] = a;
            }
        }

        int create = 0, update = 0, unchanged = 0;
        var preview = new List<ImportPreviewRow>();
        foreach (var (row, input) in rows)
        {
            // The same test as AdvisorImport.UpsertAsync's.
            var action = !existing.TryGetValue(input.Phone, out var a) ? "create"
                : a.Name != input.Name || a.TimeZone != input.TimeZone || a.Language != input.Language || a.Categories != input.Categories || a.DeletedAt is not null
                    ? "update" : "unchanged";
            _ = action switch { "create" => create++, "update" => update++, _ => unchanged++ };
            if (preview.Count < MaxPreviewRows)
            {
                preview.Add(new ImportPreviewRow(row, input.Phone, input.Name, input.TimeZone, input.Language, input.Categories, action,
                    input.Consent is { } c ? $"{c.Source} {c.Date:yyyy-MM-dd}" : null));
            }
        }

        return TypedResults.Ok(new ImportPreview(rows.Count, create, update, unchanged, errors.Select(e => e.Row).Where(r => r > 1).Distinct().Count(), preview, errors));
    }

    public sealed record UnknownSenderDto(string Phone, DateTime FirstSeenAt, DateTime LastSeenAt, int MessageCount, string? LastKind, string? LastText, string? ProfileName);

    private static async Task<Ok<List<UnknownSenderDto>>> UnknownAsync(HubixDb db, HttpResponse response, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 500, MaxPage);
        var after = Paging.DecodeTimeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<UnknownSender>().AsNoTracking();
        if (after is var (at, id))
        {
            query = query.Where(s => s.LastSeenAt <= at && (s.LastSeenAt < at || s.Id < id));
        }

        var rows = await query.OrderByDescending(s => s.LastSeenAt).ThenByDescending(s => s.Id).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].LastSeenAt, rows[^1].Id) : null);
        return TypedResults.Ok(rows.Select(s => new UnknownSenderDto(s.Phone, s.FirstSeenAt, s.LastSeenAt, s.MessageCount, s.LastKind, s.LastText, s.ProfileName)).ToList());
    }
}

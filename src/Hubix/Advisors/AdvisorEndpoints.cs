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
            .WithSummary("Advisors by phone (limit=, default and max 1000); the next page's cursor is in the X-Next-Cursor header.");
        api.MapGet("/{phone}", GetAsync).WithName("GetAdvisor");
        api.MapGet("/{phone}/consent", ConsentAsync).WithName("GetAdvisorConsent");
        api.MapPost("/", CreateAsync).WithName("CreateAdvisor").RequireAdmin();
        api.MapPatch("/{phone}", PatchAsync).WithName("UpdateAdvisor").RequireAdmin();
        api.MapDelete("/{phone}", DeleteAsync).WithName("DeleteAdvisor").RequireAdmin();
        api.MapPost("/import", ImportAsync).WithName("ImportAdvisors").RequireAdmin().DisableAntiforgery();
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

    private static async Task<Ok<List<AdvisorDto>>> ListAsync(
        HubixDb db, HttpResponse response, string? status, bool? includeDeleted, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, MaxPage, MaxPage);
        var after = Paging.Decode(cursor, 1)?[0];
        await using var context = db.CreateDbContext();
        var query = context.Set<Advisor>().AsNoTracking();
        if (includeDeleted != true)
        {
            query = query.Where(a => a.DeletedAt == null);
        }

        if (status is "active" or "opted_out")
        {
            var s = status == "active" ? AdvisorStatus.Active : AdvisorStatus.OptedOut;
            query = query.Where(a => a.Status == s);
        }

        if (after is not null)
        {
            query = query.Where(a => a.Phone.CompareTo(after) > 0);
        }

        var rows = await query.OrderBy(a => a.Phone).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Phone) : null);
        return TypedResults.Ok(rows.Select(a => a.ToDto()).ToList());
    }

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

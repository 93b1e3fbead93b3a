using System.Globalization;
using System.Security.Claims;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Content;

/// <summary>The content API: import and list packs, and the media bytes for public links.</summary>
public static class ContentEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/packs").RequireViewer().WithTags("Content");
        api.MapPost("/", ImportAsync).WithName("ImportPack").RequireAdmin().DisableAntiforgery();
        api.MapPost("/{id:long}/approve", ApproveAsync).WithName("ApprovePack").RequireAdmin()
            .WithSummary("Approves the pack's newest version so it is sent (four eyes: not by whoever imported it; 409 otherwise). version=: the version the approver reviewed (409 when it is no longer the newest).");
        api.MapGet("/", ListAsync).WithName("ListPacks").WithPaging()
            .WithSummary("Packs newest date first, categories in reverse order within a date (limit=, default and max 100); next cursor in X-Next-Cursor.");
        // Meta fetches media by link when an upload is not ready (Hubix:Content:PublicBaseUrl); content-addressed.
        api.MapGet("/settings", (IOptions<ContentOptions> options) => TypedResults.Ok(ContentSettings.From(options.Value))).WithName("ContentSettings")
            .WithSummary("What the studio needs to know of Hubix:Content: the default language, whether approval is on, the zip limits.");
        PackVersions.Map(api);
        app.MapGet("/media/{sha256}", GetMediaAsync).WithName("GetMedia").ExcludeFromDescription();
    }

    /// <param name="MediaUrl">Where the page shows the item's file: the stored bytes (<c>/media/{sha256}</c>) or the item's own link.</param>
    public sealed record PackItemDto(long Id, int Position, string Kind, string? Text, string? Caption, string? FileName, string? Url, string? MimeType, string? CloudMediaId, string? Lang = null,
        string? MediaUrl = null);

    /// <param name="Version">The newest version, whose items are listed.</param>
    /// <param name="State"><c>draft</c> or <c>approved</c> (of the newest version).</param>
    /// <param name="ApprovedVersion">The version that is sent; null while never approved.</param>
    public sealed record PackDto(
        long Id, DateOnly Date, string Category, string Description, int Version, string State, int? ApprovedVersion, string? CreatedBy, string? ApprovedBy,
        DateTime? ApprovedAt, IReadOnlyList<PackItemDto> Items);

    public sealed record ContentSettings(string DefaultLanguage, bool RequireApproval, int ZipMaxEntries, long ZipMaxEntryBytes, long ZipMaxTotalBytes)
    {
        public static ContentSettings From(ContentOptions o) => new(o.DefaultLanguage, o.RequireApproval, o.ZipMaxEntries, o.ZipMaxEntryBytes, o.ZipMaxTotalBytes);
    }

    public sealed record ImportedPack(long Id, DateOnly Date, string Category, bool Replaced, int Items, int MediaUploaded, int Version, string State);

    public sealed record ApprovedPack(long Id, int Version, string State, string ApprovedBy, DateTime ApprovedAt);

    /// <summary>
    /// JSON body (pack.json with url items); multipart: a <c>pack</c> field with the JSON plus the files it names (a folder),
    /// or a file field <c>zip</c>; or a zip body (<c>application/zip</c>). Every way ends in <see cref="PackImport.ValidateAsync"/>.
    /// </summary>
    private static async Task<Results<Ok<ImportedPack>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, HubixDb db, MediaUploader uploader, TimeProvider time, IOptions<ContentOptions> options, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var pack = await ReadPackAsync(request, options.Value, ct);
            var now = time.GetUtcNow().UtcDateTime;
            var stored = await PackImport.StoreAsync(db, pack, now, ct, user.ActorName(), options.Value.RequireApproval);
            var uploaded = await uploader.EnsureUploadedAsync(stored.MediaIds, ct);
            return TypedResults.Ok(new ImportedPack(stored.PackId, pack.Date, pack.Category, stored.Replaced, pack.Items.Count, uploaded, stored.Version, stored.State));
        }
        catch (PackValidationException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Pack not valid", detail: string.Join("; ", ex.Problems),
                extensions: new Dictionary<string, object?> { ["errors"] = ex.Problems });
        }
    }

    private static async Task<ValidPack> ReadPackAsync(HttpRequest request, ContentOptions options, CancellationToken ct)
    {
        if (IsZip(request.ContentType))
        {
            return await PackZip.ValidateAsync(request.Body, options, ct);
        }

        if (!request.HasFormContentType)
        {
            using var reader = new StreamReader(request.Body);
            return await PackImport.ValidateAsync(PackImport.ParseJson(await reader.ReadToEndAsync(ct), "body"), null, NoFiles, ct);
        }

        var form = await request.ReadFormAsync(ct);
        var json = form["pack"].ToString();
        if (form.Files.GetFile("zip") is { } zip)
        {
            if (!string.IsNullOrWhiteSpace(json))
            {
                throw new PackValidationException(["zip: send either the zip or the 'pack' field with its files, not both"]);
            }

            await using var stream = zip.OpenReadStream();
            return await PackZip.ValidateAsync(stream, options, ct);
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            throw new PackValidationException(["pack: the multipart field 'pack' with the pack JSON (or a file field 'zip') is required"]);
        }

        var files = new Dictionary<string, IFormFile>(StringComparer.Ordinal);
        foreach (var f in form.Files)
        {
            files[f.FileName] = f;
        }

        return await PackImport.ValidateAsync(PackImport.ParseJson(json, "pack"), null, async (name, c) =>
        {
            if (!files.TryGetValue(name, out var f))
            {
                return null;
            }

            using var ms = new MemoryStream();
            await f.CopyToAsync(ms, c);
            return new PackFile(ms.ToArray(), f.ContentType);
        }, ct);
    }

    private static Task<PackFile?> NoFiles(string name, CancellationToken ct) => Task.FromResult<PackFile?>(null);

    private static bool IsZip(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
        && (type.MediaType.Equals("application/zip", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/x-zip-compressed", StringComparison.OrdinalIgnoreCase));

    /// <summary>Four eyes: the newest version becomes the one sent, approved by someone other than its importer.</summary>
    private static async Task<Results<Ok<ApprovedPack>, NotFound, ProblemHttpResult>> ApproveAsync(
        long id, int? version, HubixDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var pack = await work.Db.Set<ContentPack>().SingleOrDefaultAsync(p => p.Id == id, ct);
        if (pack is null)
        {
            return TypedResults.NotFound();
        }

        var actor = user.ActorName();
        if (version is { } reviewed && reviewed != pack.Version)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile",
                detail: string.Create(CultureInfo.InvariantCulture, $"Version {reviewed} was reviewed, but the newest version of pack {pack.Id} is {pack.Version}; review it first."));
        }

        if (pack.ApprovedVersion == pack.Version)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already approved",
                detail: string.Create(CultureInfo.InvariantCulture, $"Version {pack.Version} of pack {pack.Id} was approved by {pack.ApprovedBy} at {pack.ApprovedAt:yyyy-MM-dd HH:mm} UTC."));
        }

        if (string.Equals(pack.CreatedBy, actor, StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Four eyes",
                detail: $"{actor} imported this version; another admin must approve it.");
        }

        // A guard, not just the tracked change: two approvals at once, or an import in between (a new version, or the draft
        // replaced, perhaps by the approver: same version, new UpdatedAt and CreatedBy), must not win. The version's history
        // row is approved in the same transaction.
        var newest = pack.Version;
        var (savedAt, savedBy) = (pack.UpdatedAt, pack.CreatedBy);
        work.Guard(async (connection, transaction, c) =>
        {
            var approved = await work.Db.Set<ContentPack>()
                .Where(p => p.Id == id && p.Version == newest && (p.ApprovedVersion == null || p.ApprovedVersion != newest) && p.UpdatedAt == savedAt && p.CreatedBy == savedBy)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.ApprovedVersion, newest).SetProperty(p => p.ApprovedDescription, p => p.Description)
                    .SetProperty(p => p.ApprovedBy, actor).SetProperty(p => p.ApprovedAt, now).SetProperty(p => p.UpdatedAt, now), c) == 1;
            return approved && await work.Db.Set<ContentPackVersion>().Where(v => v.PackId == id && v.Version == newest)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.ApprovedBy, actor).SetProperty(v => v.ApprovedAt, now), c) == 1;
        });
        user.Audit(AuditActions.PackApprove, PackImport.PackTarget(pack.Id),
            string.Create(CultureInfo.InvariantCulture, $"{pack.Date:yyyy-MM-dd} '{pack.Category}' v{newest}, imported by {pack.CreatedBy}")).Add(work.Db, now);
        work.Db.Entry(pack).State = EntityState.Unchanged;
        if (!await work.CommitAsync(ct))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile",
                detail: "The pack was approved or re-imported while this request ran; list it again.");
        }

        return TypedResults.Ok(new ApprovedPack(pack.Id, newest, PackStates.Approved, actor, now));
    }

    private static async Task<Results<Ok<List<PackDto>>, ProblemHttpResult>> ListAsync(
        HubixDb db, HttpResponse response, string? date, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 100, 100);
        var after = Paging.Decode(cursor, 2) is { } c ? (Date: DateOnly.FromDayNumber((int)Paging.ParseId(c[0])), Category: c[1]) : ((DateOnly Date, string Category)?)null;
        await using var context = db.CreateDbContext();
        var query = context.Set<ContentPack>().AsNoTracking();
        if (!string.IsNullOrEmpty(date))
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return TypedResults.Problem(statusCode: 400, title: "Bad date", detail: $"date: '{date}' is not YYYY-MM-DD");
            }

            query = query.Where(p => p.Date == d);
        }

        if (after is var (ad, ac))
        {
            query = query.Where(p => p.Date <= ad && (p.Date < ad || p.Category.CompareTo(ac) < 0));
        }

        // Both keys descending, so the walk is one backward pass over the unique (Date, Category) index.
        var page = await query.OrderByDescending(p => p.Date).ThenByDescending(p => p.Category).Take(take + 1)
            .Select(p => new { p.Id, p.Date, p.Category, p.Description, p.Version, p.ApprovedVersion, p.CreatedBy, p.ApprovedBy, p.ApprovedAt }).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(page, take) ? Paging.Encode(Paging.Id(page[^1].Date.DayNumber), page[^1].Category) : null);

        // The page's items, then their media, each by key: one query per table through its index, not a join that
        // materialises every item of every pack.
        var ids = page.Select(p => p.Id).ToList();
        var newest = page.ToDictionary(p => p.Id, p => p.Version);
        var items = (await context.Set<ContentItem>().AsNoTracking().Where(i => ids.Contains(i.PackId)).OrderBy(i => i.PackId).ThenBy(i => i.Position).ToListAsync(ct))
            .Where(i => i.Version == newest[i.PackId]).ToList();
        var mediaIds = items.Where(i => i.MediaId != null).Select(i => i.MediaId!.Value).Distinct().ToList();
        var media = mediaIds.Count == 0 ? [] : await context.Set<MediaFile>().AsNoTracking().Where(m => mediaIds.Contains(m.Id))
            .Select(m => new { m.Id, m.MimeType, m.CloudMediaId, m.Sha256 }).ToDictionaryAsync(m => m.Id, m => (m.MimeType, m.CloudMediaId, m.Sha256), ct);
        var byPack = items.ToLookup(i => i.PackId);
        var packs = page.Select(p => new PackDto(p.Id, p.Date, p.Category, p.Description, p.Version,
            p.ApprovedVersion == p.Version ? PackStates.Approved : PackStates.Draft, p.ApprovedVersion, p.CreatedBy, p.ApprovedBy, p.ApprovedAt, byPack[p.Id].Select(i =>
        {
            var m = i.MediaId is { } id && media.TryGetValue(id, out var f) ? f : default;
            return new PackItemDto(i.Id, i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url, m.MimeType, m.CloudMediaId, i.Lang, m.Sha256 is null ? i.Url : "/media/" + m.Sha256);
        }).ToList())).ToList();
        return TypedResults.Ok(packs);
    }

    private static async Task<IResult> GetMediaAsync(string sha256, HubixDb db, HttpResponse response, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var file = await context.Set<MediaFile>().AsNoTracking().Where(f => f.Sha256 == sha256)
            .Select(f => new { f.Bytes, f.MimeType, f.FileName }).SingleOrDefaultAsync(ct);
        if (file is null)
        {
            return Results.NotFound();
        }

        var (type, inline) = ServedType(file.FileName, file.MimeType);
        response.Headers.XContentTypeOptions = "nosniff";
        if (inline)
        {
            return Results.Bytes(file.Bytes, type);
        }

        // Results.Bytes with a download name sets Content-Disposition: attachment (RFC 6266 filename*).
        return Results.Bytes(file.Bytes, type, fileDownloadName: SafeName(file.FileName));
    }

    /// <summary>
    /// The type /media serves a stored file as, and whether it may show inline. The type comes from the file name's
    /// extension (<see cref="PackImport.MimeFromName"/>), never from what an uploader claimed: a document uploaded as
    /// text/html must not run as a page on our origin. Only PNG and JPEG images show inline; everything else (documents,
    /// unknown types as application/octet-stream) is an attachment.
    /// </summary>
    internal static (string Type, bool Inline) ServedType(string? fileName, string storedType)
    {
        var type = (fileName is null ? null : PackImport.MimeFromName(fileName))
            ?? (storedType is "image/png" or "image/jpeg" ? storedType : "application/octet-stream");
        return (type, type is "image/png" or "image/jpeg");
    }

    private static string SafeName(string? fileName)
    {
        var name = Path.GetFileName(fileName ?? "");
        return string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) ? "file" : name;
    }
}

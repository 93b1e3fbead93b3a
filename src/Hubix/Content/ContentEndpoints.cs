using System.Globalization;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Content;

/// <summary>The content API: import and list packs, and the media bytes for public links.</summary>
public static class ContentEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/packs").RequireViewer().WithTags("Content");
        api.MapPost("/", ImportAsync).WithName("ImportPack").RequireAdmin().DisableAntiforgery();
        api.MapGet("/", ListAsync).WithName("ListPacks").WithPaging()
            .WithSummary("Packs newest date first, categories in reverse order within a date (limit=, default and max 100); next cursor in X-Next-Cursor.");
        // Meta fetches media by link when an upload is not ready (Hubix:Content:PublicBaseUrl); content-addressed.
        app.MapGet("/media/{sha256}", GetMediaAsync).WithName("GetMedia").ExcludeFromDescription();
    }

    public sealed record PackItemDto(long Id, int Position, string Kind, string? Text, string? Caption, string? FileName, string? Url, string? MimeType, string? CloudMediaId);

    public sealed record PackDto(long Id, DateOnly Date, string Category, string Description, IReadOnlyList<PackItemDto> Items);

    public sealed record ImportedPack(long Id, DateOnly Date, string Category, bool Replaced, int Items, int MediaUploaded);

    /// <summary>JSON body (pack.json with url items), or multipart: a <c>pack</c> field with the JSON plus the files it names.</summary>
    private static async Task<Results<Ok<ImportedPack>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, HubixDb db, MediaUploader uploader, TimeProvider time, CancellationToken ct)
    {
        PackDocument doc;
        Dictionary<string, IFormFile> files = new(StringComparer.Ordinal);
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(ct);
                var json = form["pack"].ToString();
                if (string.IsNullOrWhiteSpace(json))
                {
                    return TypedResults.Problem(statusCode: 400, title: "Pack not valid", detail: "pack: the multipart field 'pack' with the pack JSON is required");
                }

                doc = PackImport.ParseJson(json, "pack");
                foreach (var f in form.Files)
                {
                    files[f.FileName] = f;
                }
            }
            else
            {
                using var reader = new StreamReader(request.Body);
                doc = PackImport.ParseJson(await reader.ReadToEndAsync(ct), "body");
            }

            var pack = await PackImport.ValidateAsync(doc, null, async (name, c) =>
            {
                if (!files.TryGetValue(name, out var f))
                {
                    return null;
                }

                using var ms = new MemoryStream();
                await f.CopyToAsync(ms, c);
                return new PackFile(ms.ToArray(), f.ContentType);
            }, ct);
            var now = time.GetUtcNow().UtcDateTime;
            var (id, mediaIds, replaced) = await PackImport.StoreAsync(db, pack, now, ct);
            var uploaded = await uploader.EnsureUploadedAsync(mediaIds, ct);
            return TypedResults.Ok(new ImportedPack(id, pack.Date, pack.Category, replaced, pack.Items.Count, uploaded));
        }
        catch (PackValidationException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Pack not valid", detail: string.Join("; ", ex.Problems),
                extensions: new Dictionary<string, object?> { ["errors"] = ex.Problems });
        }
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
            .Select(p => new { p.Id, p.Date, p.Category, p.Description }).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(page, take) ? Paging.Encode(Paging.Id(page[^1].Date.DayNumber), page[^1].Category) : null);

        // The page's items, then their media, each by key: one query per table through its index, not a join that
        // materialises every item of every pack.
        var ids = page.Select(p => p.Id).ToList();
        var items = await context.Set<ContentItem>().AsNoTracking().Where(i => ids.Contains(i.PackId)).OrderBy(i => i.PackId).ThenBy(i => i.Position).ToListAsync(ct);
        var mediaIds = items.Where(i => i.MediaId != null).Select(i => i.MediaId!.Value).Distinct().ToList();
        var media = mediaIds.Count == 0 ? [] : await context.Set<MediaFile>().AsNoTracking().Where(m => mediaIds.Contains(m.Id))
            .Select(m => new { m.Id, m.MimeType, m.CloudMediaId }).ToDictionaryAsync(m => m.Id, m => (m.MimeType, m.CloudMediaId), ct);
        var byPack = items.ToLookup(i => i.PackId);
        var packs = page.Select(p => new PackDto(p.Id, p.Date, p.Category, p.Description, byPack[p.Id].Select(i =>
        {
            var m = i.MediaId is { } id && media.TryGetValue(id, out var f) ? f : default;
            return new PackItemDto(i.Id, i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url, m.MimeType, m.CloudMediaId);
        }).ToList())).ToList();
        return TypedResults.Ok(packs);
    }

    private static async Task<IResult> GetMediaAsync(string sha256, HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var file = await context.Set<MediaFile>().AsNoTracking().Where(f => f.Sha256 == sha256)
            .Select(f => new { f.Bytes, f.MimeType }).SingleOrDefaultAsync(ct);
        return file is null ? Results.NotFound() : Results.Bytes(file.Bytes, file.MimeType);
    }
}

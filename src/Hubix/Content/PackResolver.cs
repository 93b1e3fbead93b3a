using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Content;

/// <summary>A pack's header, enough to choose it and to fill the daily template: its approved version, if any.</summary>
/// <param name="ItemCount">Items of <paramref name="Version"/> (0 when the pack has no approved version).</param>
/// <param name="Version">The approved version, the one that is sent; null while the pack is a draft (never sent).</param>
public sealed record PackSummary(long Id, DateOnly Date, string Category, string Description, int ItemCount, int? Version)
{
    public bool Approved => Version is not null;
}

/// <summary>
/// Which pack of a date an advisor gets: one in a category they subscribe to, else the general pack (no
/// category), else, for an advisor with no subscriptions, the first pack of the date.
/// </summary>
public static class PackResolver
{
    /// <summary>
    /// A pack's items in order with their media record but not the media bytes: what sending needs (the bytes are
    /// uploaded once and sent by id or link), without loading every image into memory per tap.
    /// </summary>
    public static Task<List<ContentItem>> ItemsWithoutBytesAsync(HubixDbContext db, long packId, int version, CancellationToken ct) =>
        db.Set<ContentItem>().AsNoTracking().Where(i => i.PackId == packId && i.Version == version).OrderBy(i => i.Position)
            .Select(i => new ContentItem
            {
                Id = i.Id, PackId = i.PackId, Version = i.Version, Position = i.Position, Kind = i.Kind, Lang = i.Lang, Text = i.Text, Caption = i.Caption, FileName = i.FileName, Url = i.Url,
                MediaId = i.MediaId,
                Media = i.Media == null ? null : new MediaFile
                {
                    Id = i.Media.Id, Sha256 = i.Media.Sha256, MimeType = i.Media.MimeType, FileName = i.Media.FileName, Bytes = Array.Empty<byte>(),
                    CloudMediaId = i.Media.CloudMediaId, UploadedAt = i.Media.UploadedAt,
                },
            }).ToListAsync(ct);

    public static PackSummary? Choose(IEnumerable<PackSummary> packsOfDate, string advisorCategories)
    {
        var cats = advisorCategories.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ordered = packsOfDate.OrderBy(p => p.Id).ToList();
        if (cats.Length > 0 && ordered.FirstOrDefault(p => cats.Contains(p.Category, StringComparer.OrdinalIgnoreCase)) is { } match)
        {
            return match;
        }

        return ordered.FirstOrDefault(p => p.Category.Length == 0) ?? (cats.Length == 0 ? ordered.FirstOrDefault() : null);
    }

    public static async Task<Dictionary<DateOnly, List<PackSummary>>> LoadAsync(HubixDbContext db, IReadOnlyCollection<DateOnly> dates, CancellationToken ct)
    {
        var list = dates.Distinct().ToList();
        var packs = await db.Set<ContentPack>().AsNoTracking().Where(p => list.Contains(p.Date))
            .Select(Summary).ToListAsync(ct);
        return packs.GroupBy(p => p.Date).ToDictionary(g => g.Key, g => g.ToList());
    }

    public static async Task<PackSummary?> FindAsync(HubixDbContext db, DateOnly date, string advisorCategories, CancellationToken ct)
    {
        var packs = await LoadAsync(db, [date], ct);
        return packs.TryGetValue(date, out var list) ? Choose(list, advisorCategories) : null;
    }

    public static Task<PackSummary?> FindByIdAsync(HubixDbContext db, long id, CancellationToken ct) =>
        db.Set<ContentPack>().AsNoTracking().Where(p => p.Id == id)
            .Select(Summary).SingleOrDefaultAsync(ct);

    private static readonly System.Linq.Expressions.Expression<Func<ContentPack, PackSummary>> Summary = p =>
        new PackSummary(p.Id, p.Date, p.Category, p.ApprovedDescription ?? "", p.Items.Count(i => i.Version == p.ApprovedVersion), p.ApprovedVersion);
}

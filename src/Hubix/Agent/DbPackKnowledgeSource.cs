using System.Globalization;
using Hubix.Content;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>
/// The packs stored in the database as passages (one per post, update, image caption and document caption),
/// the same way <see cref="PackDirectoryKnowledgeSource"/> reads pack.json files. While the database holds no
/// pack at all, the pack directory is used instead (a fresh install, the demo).
/// </summary>
/// <remarks>
/// Each question costs one small query (id and <c>UpdatedAt</c> of the packs in the window): while that is
/// unchanged the same list instance is returned, so <see cref="KnowledgeIndex"/> re-embeds
/// nothing. Re-importing a pack bumps its <c>UpdatedAt</c>; a new or deleted pack changes the count and the sum of ids.
/// Only packs from <see cref="AgentOptions.MaxPackAgeDays"/> before today onwards are loaded: the engine
/// ignores older ones anyway.
/// </remarks>
public sealed class DbPackKnowledgeSource(
    HubixDb db, PackDirectoryKnowledgeSource fallback, IOptions<AgentOptions> options, TimeProvider time) : IKnowledgeSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Cache? _cache;

    private sealed record Cache((DateOnly Oldest, int Count, DateTime? Updated, long? IdSum) Stamp, IReadOnlyList<KnowledgePassage> Passages);

    public async Task<IReadOnlyList<KnowledgePassage>> GetPassagesAsync(CancellationToken cancellationToken)
    {
        var oldest = Today().AddDays(-options.Value.MaxPackAgeDays - 1);
        await using var context = db.CreateDbContext();
        var packs = context.Set<ContentPack>().AsNoTracking().Where(p => p.Date >= oldest);
        // A few rows (one per pack in the window): cheaper and more portable than aggregates over converted columns.
        var heads = await packs.Select(p => new { p.Id, p.UpdatedAt }).ToListAsync(cancellationToken);
        if (heads.Count == 0 && !await context.Set<ContentPack>().AnyAsync(cancellationToken))
        {
            return await fallback.GetPassagesAsync(cancellationToken);
        }

        var stamp = (oldest, heads.Count, heads.Count == 0 ? (DateTime?)null : heads.Max(h => h.UpdatedAt), heads.Count == 0 ? (long?)null : heads.Sum(h => h.Id));
        if (Volatile.Read(ref _cache) is { } cached && cached.Stamp == stamp)
        {
            return cached.Passages;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cache is { } again && again.Stamp == stamp)
            {
                return again.Passages;
            }

            // Only what advisors may be sent: the approved version of each pack, never a draft under review.
            var items = await context.Set<ContentItem>().AsNoTracking().Where(i => i.Pack!.Date >= oldest && i.Version == i.Pack.ApprovedVersion)
                .Select(i => new { i.Pack!.Date, i.PackId, i.Position, i.Kind, i.Text, i.Caption, i.Lang })
                .ToListAsync(cancellationToken);
            var list = new List<KnowledgePassage>(items.Count);
            foreach (var i in items.Where(i => PackDirectoryKnowledgeSource.IsEnglishOrShared(i.Lang)).OrderBy(i => i.Date).ThenBy(i => i.PackId).ThenBy(i => i.Position))
            {
                var raw = i.Kind is KnowledgePassage.PostKind or KnowledgePassage.UpdateKind ? i.Text : i.Caption;
                var text = PackDirectoryKnowledgeSource.Resolve(raw ?? "", i.Date);
                if (text.Length == 0)
                {
                    continue;
                }

                var iso = i.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                list.Add(new KnowledgePassage(
                    string.Create(CultureInfo.InvariantCulture, $"pack:{iso}:{i.PackId}:{i.Position}"), "pack " + iso, i.Kind, i.Date, text));
            }

            Volatile.Write(ref _cache, new Cache(stamp, list));
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    private DateOnly Today()
    {
        if (options.Value.Today is { } fixedDay)
        {
            return fixedDay;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
    }
}

using Hubix.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Content;

/// <summary>
/// One version of a pack, for its history: who saved it and when, who approved it and when. Written in the same
/// transaction as the import that makes or replaces the version (<see cref="PackImport.StoreAsync"/>) and as its approval,
/// so the history cannot disagree with <see cref="ContentPack"/>. The items stay in <see cref="ContentItem"/> by version.
/// </summary>
public sealed class ContentPackVersion
{
    public long PackId { get; set; }
    public int Version { get; set; }
    public string Description { get; set; } = "";

    /// <summary>Who saved this version (the last save, for a draft replaced before its approval); null when unknown (before history was kept).</summary>
    public string? CreatedBy { get; set; }

    public DateTime CreatedAt { get; set; }
    public string? ApprovedBy { get; set; }
    public DateTime? ApprovedAt { get; set; }

    /// <summary>How many items the version has (every language's).</summary>
    public int Items { get; set; }
}

internal sealed class ContentPackVersionConfiguration : IEntityTypeConfiguration<ContentPackVersion>
{
    public void Configure(EntityTypeBuilder<ContentPackVersion> b)
    {
        b.ToTable("ContentPackVersions");
        b.HasKey(x => new { x.PackId, x.Version });
        b.Property(x => x.Description).HasMaxLength(1024);
        b.Property(x => x.CreatedBy).HasMaxLength(64);
        b.Property(x => x.ApprovedBy).HasMaxLength(64);
        b.HasOne<ContentPack>().WithMany().HasForeignKey(x => x.PackId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>A pack's versions over HTTP, and the migration's backfill of the history of packs stored before it was kept.</summary>
public static class PackVersions
{
    /// <summary>
    /// The <c>PackVersions</c> migration's backfill (the same SQL on both providers): each pack's newest version, with its
    /// importer and, when it is the sent one, its approval; and the sent version when a draft is newer (its importer unknown).
    /// </summary>
    public const string BackfillSql = """
        INSERT INTO "ContentPackVersions" ("PackId", "Version", "Description", "CreatedBy", "CreatedAt", "ApprovedBy", "ApprovedAt", "Items")
        SELECT p."Id", p."Version", p."Description", p."CreatedBy", p."UpdatedAt",
               CASE WHEN p."ApprovedVersion" = p."Version" THEN p."ApprovedBy" END,
               CASE WHEN p."ApprovedVersion" = p."Version" THEN p."ApprovedAt" END,
               (SELECT COUNT(*) FROM "ContentItems" i WHERE i."PackId" = p."Id" AND i."Version" = p."Version")
        FROM "ContentPacks" p;
        INSERT INTO "ContentPackVersions" ("PackId", "Version", "Description", "CreatedBy", "CreatedAt", "ApprovedBy", "ApprovedAt", "Items")
        SELECT p."Id", p."ApprovedVersion", COALESCE(p."ApprovedDescription", ''), NULL, COALESCE(p."ApprovedAt", p."CreatedAt"), p."ApprovedBy", p."ApprovedAt",
               (SELECT COUNT(*) FROM "ContentItems" i WHERE i."PackId" = p."Id" AND i."Version" = p."ApprovedVersion")
        FROM "ContentPacks" p WHERE p."ApprovedVersion" IS NOT NULL AND p."ApprovedVersion" <> p."Version";
        """;

    /// <param name="State"><c>sent</c> (the approved version the daily run sends), <c>approved</c> (an earlier one, superseded), or <c>draft</c>.</param>
    public sealed record PackVersionDto(int Version, string State, string Description, string? CreatedBy, DateTime CreatedAt, string? ApprovedBy, DateTime? ApprovedAt, int Items);

    public sealed record PackVersionDetail(long PackId, DateOnly Date, string Category, PackVersionDto Version, IReadOnlyList<ContentEndpoints.PackItemDto> Items);

    public const string Sent = "sent";

    internal static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/{id:long}/versions", ListAsync).WithName("ListPackVersions")
            .WithSummary("The pack's versions, newest first: which is sent, who saved and who approved each.");
        // No route constraint on version: an unauthenticated caller gets 401 whatever it sends, not a 404 from routing.
        api.MapGet("/{id:long}/versions/{version}", GetAsync).WithName("GetPackVersion")
            .WithSummary("One version of the pack with its items (every language's), as stored; old versions are read-only.");
    }

    private static async Task<Results<Ok<List<PackVersionDto>>, NotFound>> ListAsync(long id, HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var approved = await context.Set<ContentPack>().AsNoTracking().Where(p => p.Id == id).Select(p => new { p.ApprovedVersion }).SingleOrDefaultAsync(ct);
        if (approved is null)
        {
            return TypedResults.NotFound();
        }

        var rows = await context.Set<ContentPackVersion>().AsNoTracking().Where(v => v.PackId == id).OrderByDescending(v => v.Version).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(v => ToDto(v, approved.ApprovedVersion)).ToList());
    }

    private static async Task<Results<Ok<PackVersionDetail>, NotFound>> GetAsync(long id, int version, HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var pack = await context.Set<ContentPack>().AsNoTracking().Where(p => p.Id == id).Select(p => new { p.Date, p.Category, p.ApprovedVersion }).SingleOrDefaultAsync(ct);
        var row = pack is null ? null : await context.Set<ContentPackVersion>().AsNoTracking().SingleOrDefaultAsync(v => v.PackId == id && v.Version == version, ct);
        if (pack is null || row is null)
        {
            return TypedResults.NotFound();
        }

        var items = await context.Set<ContentItem>().AsNoTracking().Where(i => i.PackId == id && i.Version == version).OrderBy(i => i.Position)
            .Select(i => new ContentEndpoints.PackItemDto(i.Id, i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url,
                i.Media == null ? null : i.Media.MimeType, i.Media == null ? null : i.Media.CloudMediaId, i.Lang,
                i.Media == null ? i.Url : "/media/" + i.Media.Sha256))
            .ToListAsync(ct);
        return TypedResults.Ok(new PackVersionDetail(id, pack.Date, pack.Category, ToDto(row, pack.ApprovedVersion), items));
    }

    private static PackVersionDto ToDto(ContentPackVersion v, int? sentVersion) =>
        new(v.Version, v.Version == sentVersion ? Sent : v.ApprovedAt is not null ? PackStates.Approved : PackStates.Draft,
            v.Description, v.CreatedBy, v.CreatedAt, v.ApprovedBy, v.ApprovedAt, v.Items);
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Content;

/// <summary>The content of one day (and optionally one category): ordered items an advisor gets on a tap.</summary>
public sealed class ContentPack
{
    public long Id { get; set; }
    public DateOnly Date { get; set; }

    /// <summary>Lower-case category, or "" for a pack for everyone.</summary>
    public string Category { get; set; } = "";

    /// <summary>The newest version's description (a draft's, while one is under review).</summary>
    public string Description { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// The newest version (1, 2, ...). Items are stored per version: a draft's items may be replaced, an approved
    /// version's never are, so a re-import of an approved pack makes the next version and what went out stays on record.
    /// </summary>
    public int Version { get; set; } = 1;

    /// <summary>The version that is sent (the newest approved one), or null while the pack has never been approved.</summary>
    public int? ApprovedVersion { get; set; }

    /// <summary>The description of <see cref="ApprovedVersion"/>: what the daily template says about the pack.</summary>
    public string? ApprovedDescription { get; set; }

    /// <summary>Who imported the newest version (a user, <c>api-key</c> or <c>cli</c>); the approver must be someone else.</summary>
    public string? CreatedBy { get; set; }

    public string? ApprovedBy { get; set; }
    public DateTime? ApprovedAt { get; set; }

    /// <summary><c>approved</c> when the newest version is the one sent, else <c>draft</c>.</summary>
    public string State => ApprovedVersion == Version ? PackStates.Approved : PackStates.Draft;

    public List<ContentItem> Items { get; set; } = [];
}

/// <summary>A pack version's state: a draft is never sent (<c>Hubix:Content:RequireApproval</c>).</summary>
public static class PackStates
{
    public const string Draft = "draft";
    public const string Approved = "approved";

    /// <summary>The daily run's and an unlock's reason when the advisor's pack has no approved version.</summary>
    public const string NotApprovedReason = "pack_not_approved";
}

/// <summary>The kinds of items: they decide the message type and which button delivers them.</summary>
public static class ItemKinds
{
    public const string Image = "image";
    public const string Post = "post";
    public const string Update = "update";
    public const string Document = "document";
    public static readonly string[] All = [Image, Post, Update, Document];
}

public sealed class ContentItem
{
    public long Id { get; set; }
    public long PackId { get; set; }
    public ContentPack? Pack { get; set; }

    /// <summary>The pack version this item belongs to (<see cref="ContentPack.Version"/>).</summary>
    public int Version { get; set; } = 1;

    /// <summary>0-based order inside the pack; items are sent in this order.</summary>
    public int Position { get; set; }

    /// <summary><see cref="ItemKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>
    /// The language this item is for (<c>hi</c>, <c>en</c>, <c>hi-Latn</c>), or null for an item every advisor gets
    /// (<see cref="PackLanguages"/> chooses a pack's language per advisor).
    /// </summary>
    public string? Lang { get; set; }

    /// <summary>Body of a post or update (may use {name} and {date}).</summary>
    public string? Text { get; set; }

    /// <summary>Caption of an image or document (may use {name} and {date}).</summary>
    public string? Caption { get; set; }

    /// <summary>File name shown for a document.</summary>
    public string? FileName { get; set; }

    /// <summary>A public https link (sent as a link), or null when the bytes are stored.</summary>
    public string? Url { get; set; }

    public long? MediaId { get; set; }
    public MediaFile? Media { get; set; }
}

/// <summary>
/// Media bytes stored in the database (packs use small files), deduplicated by hash, with the Cloud API media
/// id they were last uploaded as. Uploaded ids live 30 days (REFERENCE §8); we re-upload before that.
/// </summary>
public sealed class MediaFile
{
    public long Id { get; set; }
    public required string Sha256 { get; set; }
    public required string MimeType { get; set; }
    public required string FileName { get; set; }
    public required byte[] Bytes { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CloudMediaId { get; set; }
    public DateTime? UploadedAt { get; set; }
    public DateTime? LastUploadAttemptAt { get; set; }
    public string? LastUploadError { get; set; }
}

internal sealed class ContentPackConfiguration : IEntityTypeConfiguration<ContentPack>
{
    public void Configure(EntityTypeBuilder<ContentPack> b)
    {
        b.ToTable("ContentPacks");
        b.HasIndex(x => new { x.Date, x.Category }).IsUnique();
        b.Property(x => x.Category).HasMaxLength(64);
        b.Property(x => x.Description).HasMaxLength(1024);
        b.Property(x => x.ApprovedDescription).HasMaxLength(1024);
        b.Property(x => x.CreatedBy).HasMaxLength(64);
        b.Property(x => x.ApprovedBy).HasMaxLength(64);
        b.Property(x => x.Version).HasDefaultValue(1);
        b.Ignore(x => x.State);
        b.HasMany(x => x.Items).WithOne(x => x.Pack).HasForeignKey(x => x.PackId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContentItemConfiguration : IEntityTypeConfiguration<ContentItem>
{
    public void Configure(EntityTypeBuilder<ContentItem> b)
    {
        b.ToTable("ContentItems");
        b.HasIndex(x => new { x.PackId, x.Version, x.Position });
        b.Property(x => x.Version).HasDefaultValue(1);
        b.Property(x => x.Kind).HasMaxLength(16);
        b.Property(x => x.Lang).HasMaxLength(16);
        b.Property(x => x.Url).HasMaxLength(2000);
        b.Property(x => x.FileName).HasMaxLength(240);
        b.HasOne(x => x.Media).WithMany().HasForeignKey(x => x.MediaId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> b)
    {
        b.ToTable("MediaFiles");
        b.HasIndex(x => x.Sha256).IsUnique();
        b.Property(x => x.Sha256).HasMaxLength(64);
        b.Property(x => x.MimeType).HasMaxLength(128);
        b.Property(x => x.FileName).HasMaxLength(240);
        b.Property(x => x.CloudMediaId).HasMaxLength(128);
        b.Property(x => x.LastUploadError).HasMaxLength(512);
    }
}

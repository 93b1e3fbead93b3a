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

    public string Description { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<ContentItem> Items { get; set; } = [];
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

    /// <summary>0-based order inside the pack; items are sent in this order.</summary>
    public int Position { get; set; }

    /// <summary><see cref="ItemKinds"/>.</summary>
    public required string Kind { get; set; }

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
        b.HasMany(x => x.Items).WithOne(x => x.Pack).HasForeignKey(x => x.PackId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContentItemConfiguration : IEntityTypeConfiguration<ContentItem>
{
    public void Configure(EntityTypeBuilder<ContentItem> b)
    {
        b.ToTable("ContentItems");
        b.HasIndex(x => new { x.PackId, x.Position });
        b.Property(x => x.Kind).HasMaxLength(16);
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

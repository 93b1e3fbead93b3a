using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Webhooks;

/// <summary>
/// The CRM log: one row per message, status or other event Meta told us about, and per message we sent.
/// <see cref="DedupeKey"/> is unique, which is what makes processing exactly-once.
/// </summary>
public sealed class Interaction
{
    /// <summary>Inbound types that are taps: a template's quick reply (<c>button</c>) and a reply button (<c>button_reply</c>).</summary>
    public static readonly string[] TapTypes = ["button", "button_reply"];

    public long Id { get; set; }

    /// <summary>When it happened by Meta's clock (falls back to receipt time when Meta gave none).</summary>
    public DateTime At { get; set; }

    public DateTime RecordedAt { get; set; }

    /// <summary>The advisor's phone (wa_id), when known.</summary>
    public string? Phone { get; set; }

    /// <summary>Business-scoped user id, when Meta sent one.</summary>
    public string? UserId { get; set; }

    /// <summary><c>in</c> (from the user), <c>out</c> (we sent), <c>status</c> (about our message), <c>event</c> (other).</summary>
    public required string Direction { get; set; }

    /// <summary>text, button, button_reply, list_reply, image, ..., sent, delivered, read, failed, played, or the webhook field.</summary>
    public required string Type { get; set; }

    /// <summary>The button payload, reply id, text body, media id, status, or error code.</summary>
    public string? Payload { get; set; }

    public string? Text { get; set; }
    public string? WaMessageId { get; set; }

    /// <summary><c>context.id</c> for messages; <c>biz_opaque_callback_data</c> for statuses.</summary>
    public string? Context { get; set; }

    public int? ErrorCode { get; set; }
    public string? ErrorDetails { get; set; }
    public required string DedupeKey { get; set; }
    public string? Raw { get; set; }
}

internal sealed class InteractionConfiguration : IEntityTypeConfiguration<Interaction>
{
    public void Configure(EntityTypeBuilder<Interaction> b)
    {
        b.ToTable("Interactions");
        b.HasIndex(x => x.DedupeKey).IsUnique();
        // Readers page the log by (At, Id): per advisor (timeline, conversation, daily report), per type, or all of it.
        b.HasIndex(x => new { x.Phone, x.At, x.Id });
        b.HasIndex(x => new { x.Type, x.At, x.Id });
        b.HasIndex(x => new { x.At, x.Id });
        b.HasIndex(x => x.WaMessageId);
        // Delivery reconciliation finds statuses by our callback data (the outbox id).
        b.HasIndex(x => x.Context);
        b.Property(x => x.DedupeKey).HasMaxLength(300);
        b.Property(x => x.Direction).HasMaxLength(16);
        b.Property(x => x.Type).HasMaxLength(64);
    }
}

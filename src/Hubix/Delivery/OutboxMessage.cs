using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Delivery;

/// <summary>
/// queued → sending → accepted (Meta gave a wamid) → sent → delivered → read; or failed; or cancelled (never sent).
/// The numeric order is the rank used to keep status updates monotonic.
/// </summary>
public enum OutboxState
{
    Queued = 0,
    Sending = 1,
    Accepted = 2,
    Sent = 3,
    Delivered = 4,
    Read = 5,

    /// <summary>
    /// Never sent and never will be: a hold (<see cref="OutboxHold"/>, e.g. the advisor opted out) stopped it while it was
    /// queued. <see cref="OutboxMessage.ErrorReason"/> says why (<c>opted_out</c>). Ranked above read so that no status
    /// webhook moves it (none can come: it has no wamid and Meta never saw its id).
    /// </summary>
    Cancelled = 8,
    Failed = 9,
}

/// <summary>
/// Every message Hubix sends is a row here before any HTTP call. The dispatcher claims due rows, sends them
/// with <c>biz_opaque_callback_data</c> = <see cref="Id"/>, and status webhooks move them forward.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>Recipient phone (digits).</summary>
    public required string Recipient { get; set; }

    /// <summary>template, text, image, document, interactive, read.</summary>
    public required string Kind { get; set; }

    /// <summary>Meta's request body, ready to POST (without biz_opaque_callback_data, added at send time).</summary>
    public required string Payload { get; set; }

    /// <summary>Unique: enqueueing the same key twice does nothing.</summary>
    public required string IdempotencyKey { get; set; }

    /// <summary>Messages of one group (a pack) go strictly in order: position k+1 only after k was accepted.</summary>
    public string? GroupKey { get; set; }

    public int Position { get; set; }

    /// <summary>Why we send it: daily, unlock, agent, operator, system.</summary>
    public string Purpose { get; set; } = "system";

    /// <summary>
    /// 0 for the first message someone is waiting on (a pack's first item, a reply), 1 for the rest (daily templates, a
    /// pack's later items). The dispatcher claims 0 first, so in a burst of taps each advisor's first item goes out
    /// within the second while the packs' remainders and the templates share what is left of the rate limit.
    /// </summary>
    public int Priority { get; set; }

    public OutboxState State { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LeaseUntil { get; set; }

    /// <summary>Not sent after this (e.g. the customer-service window closes); fails with reason window_expired.</summary>
    public DateTime? ExpiresAt { get; set; }

    public string? WaMessageId { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? FailedAt { get; set; }
    public int? ErrorCode { get; set; }
    /// <summary>The content pack this message announces or carries, and the pack version sent (what went to whom).</summary>
    public long? PackId { get; set; }

    public int? PackVersion { get; set; }

    public string? ErrorReason { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("OutboxMessages");
        b.HasIndex(x => x.IdempotencyKey).IsUnique();
        b.HasIndex(x => x.WaMessageId).IsUnique();
        // The claim walks due rows in (Priority, NextAttemptAt, Id) order and stops at its limit.
        b.HasIndex(x => new { x.State, x.Priority, x.NextAttemptAt });
        b.HasIndex(x => new { x.GroupKey, x.Position });
        b.HasIndex(x => new { x.Recipient, x.Id });
        // The timeline, a conversation's messages and the daily report read one recipient's rows by time.
        b.HasIndex(x => new { x.Recipient, x.CreatedAt, x.Id });
        b.Property(x => x.IdempotencyKey).HasMaxLength(300);
        b.Property(x => x.Recipient).HasMaxLength(64);
        b.Property(x => x.Kind).HasMaxLength(32);
        b.Property(x => x.GroupKey).HasMaxLength(200);
    }
}

using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Delivery;

/// <summary>
/// A status webhook (sent, delivered, read, failed) that matched no outbox row when it arrived, kept by the delivery
/// engine until a row claims it: the send's answer (<see cref="OutboxStore.WriteAsync"/>, by wamid), reconciliation of a
/// lease-expired send (by <see cref="OutboxId"/>), or the maintenance sweep (<see cref="OutboxStore.SweepUnmatchedAsync"/>).
/// Applied ones are deleted; the rest (statuses of messages another app sent from the same number, or of a copy whose
/// row kept another wamid) expire after <see cref="OutboxStore.UnmatchedRetention"/>. The interaction log keeps its
/// own copy of every status; this table is what delivery reads, so the CRM log can be pruned or reshaped freely.
/// </summary>
internal sealed class UnmatchedStatus
{
    /// <summary>The longest status id the webhook parser lets through (it dead-letters longer ones).</summary>
    public const int MaxWaMessageIdLength = WebhookParser.MaxIdLength;
    public const int MaxErrorDetailsLength = 1000;

    public long Id { get; set; }

    public required string WaMessageId { get; set; }

    /// <summary>The outbox id Meta echoed in <c>biz_opaque_callback_data</c>, when it parsed as one.</summary>
    public long? OutboxId { get; set; }

    /// <summary>sent, delivered, read or failed.</summary>
    public required string Status { get; set; }

    /// <summary>When it happened by Meta's clock.</summary>
    public DateTime At { get; set; }

    public int? ErrorCode { get; set; }
    public string? ErrorDetails { get; set; }
    public DateTime ReceivedAt { get; set; }
}

internal sealed class UnmatchedStatusConfiguration : IEntityTypeConfiguration<UnmatchedStatus>
{
    public void Configure(EntityTypeBuilder<UnmatchedStatus> b)
    {
        b.ToTable("UnmatchedStatuses");
        // A redelivered webhook is stored once (INSERT ... ON CONFLICT DO NOTHING); this is also the lookup by wamid.
        b.HasIndex(x => new { x.WaMessageId, x.Status }).IsUnique();
        b.HasIndex(x => x.OutboxId);
        b.HasIndex(x => x.ReceivedAt);
        b.Property(x => x.WaMessageId).HasMaxLength(UnmatchedStatus.MaxWaMessageIdLength);
        b.Property(x => x.Status).HasMaxLength(16);
        b.Property(x => x.ErrorDetails).HasMaxLength(UnmatchedStatus.MaxErrorDetailsLength);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Webhooks;

public enum InboxState
{
    Pending = 0,
    Done = 1,
    DeadLettered = 2,
}

/// <summary>
/// One webhook body exactly as Meta sent it, committed before we answer 200. The inbox worker turns it
/// into interactions; it is marked <see cref="InboxState.Done"/> in the same transaction as their effects.
/// </summary>
public sealed class InboxEvent
{
    public long Id { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>SHA-256 of the body (hex). Meta's retry of the same body is stored once.</summary>
    public required string BodyHash { get; set; }

    public required byte[] Body { get; set; }

    /// <summary>
    /// 0 when the body carries users' messages (a tap, a text), 1 otherwise (statuses, account events). The worker
    /// takes 0 first: an advisor waiting for a pack matters more than a delivery tick, and statuses apply in any
    /// order (monotonic, see StatusSql). Humans send few messages, so statuses are delayed, never starved.
    /// </summary>
    public int Priority { get; set; }

    public InboxState State { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }

    /// <summary>While set and in the future, a worker owns the row (several replicas on PostgreSQL).</summary>
    public DateTime? LeaseUntil { get; set; }

    public DateTime? ProcessedAt { get; set; }
    public string? LastError { get; set; }
}

internal sealed class InboxEventConfiguration : IEntityTypeConfiguration<InboxEvent>
{
    public void Configure(EntityTypeBuilder<InboxEvent> b)
    {
        b.ToTable("InboxEvents");
        b.HasIndex(x => x.BodyHash).IsUnique();
        // The work-queue claim (WorkQueue) takes the first due rows: State = 0 ORDER BY Priority, Id LIMIT n walks this index
        // in order and stops after n. An index on (State, NextAttemptAt) made it read and sort every pending row on
        // each claim, quadratic under a backlog (the ingest profile in BENCHMARKS.md).
        b.HasIndex(x => new { x.State, x.Priority, x.Id });
        b.Property(x => x.BodyHash).HasMaxLength(64);
    }
}

/// <summary>
/// What we could not process: a signed body that is not a WhatsApp envelope, an item without an id, or an
/// inbox row that kept failing. Kept for an operator (<c>GET /api/dead-letters</c>); never deleted by us.
/// </summary>
public sealed class DeadLetter
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary><c>ingress</c> (rejected at the door), <c>item</c> (one bad item in a good body), <c>processing</c> (kept failing).</summary>
    public required string Source { get; set; }

    public required string Reason { get; set; }
    public required byte[] Body { get; set; }
    public long? InboxEventId { get; set; }
}

internal sealed class DeadLetterConfiguration : IEntityTypeConfiguration<DeadLetter>
{
    public void Configure(EntityTypeBuilder<DeadLetter> b)
    {
        b.ToTable("DeadLetters");
        b.HasIndex(x => x.At);
    }
}

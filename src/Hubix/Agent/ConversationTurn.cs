using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Agent;

/// <summary>What happened to an advisor's message (user turns) or to our reply (agent turns: always <see cref="Answered"/>).</summary>
public enum ConversationTurnState
{
    /// <summary>Waiting for the <see cref="AgentWorker"/>.</summary>
    Pending = 0,

    /// <summary>Answered: the reply turn and its outbox row exist.</summary>
    Answered = 1,

    /// <summary>Recorded, not answered: a person has the conversation (hand-off open).</summary>
    Silent = 2,

    /// <summary>Recorded, not answered: another feature handled it (the consent keywords of <c>ConsentKeywords</c>, the unlock triggers of <c>UnlockTriggers</c>).</summary>
    Skipped = 3,

    /// <summary>Recorded, not answered: the customer-service window had closed before we could answer.</summary>
    Expired = 4,

    /// <summary>Answering kept failing; see <see cref="ConversationTurn.Note"/>.</summary>
    Failed = 5,
}

/// <summary>
/// One message of an advisor's conversation with the agent: the advisor's text (or menu-button tap) and the
/// agent's reply, each a row, tied by <see cref="InboundWamid"/>. User turns are the agent's work queue.
/// </summary>
/// <remarks>
/// (<see cref="InboundWamid"/>, <see cref="Role"/>) is unique: one user turn per inbound message and at most
/// one reply to it, whatever crashes, retries or replicas do.
/// </remarks>
public sealed class ConversationTurn
{
    public long Id { get; set; }
    public long AdvisorId { get; set; }
    public required string Phone { get; set; }

    /// <summary><see cref="AgentTurn.UserRole"/> or <see cref="AgentTurn.AgentRole"/>.</summary>
    public required string Role { get; set; }

    /// <summary>The wamid of the advisor's message (on the reply too).</summary>
    public required string InboundWamid { get; set; }

    /// <summary>User turns: text or button_reply. Agent turns: the outbox kind (text, interactive), or none when nothing was sent.</summary>
    public required string Kind { get; set; }

    /// <summary>What was said (for a button tap: its title).</summary>
    public string? Text { get; set; }

    /// <summary>User turns: Meta's timestamp of the message. Agent turns: when the reply was queued.</summary>
    public DateTime At { get; set; }

    /// <summary>When we recorded it.</summary>
    public DateTime CreatedAt { get; set; }

    public ConversationTurnState State { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }

    /// <summary>While set and in the future, a worker owns the (pending) turn.</summary>
    public DateTime? LeaseUntil { get; set; }

    /// <summary>One of <see cref="AgentIntents"/>, once known.</summary>
    public string? Intent { get; set; }

    /// <summary>The answer's sources, one per line (e.g. <c>pack 2026-11-24</c>, <c>FAQ: how-to-stop</c>).</summary>
    public string? Sources { get; set; }

    /// <summary>Time the engine spent answering.</summary>
    public double? LatencyMs { get; set; }

    /// <summary>Agent turns: milliseconds from recording the advisor's message to the reply being queued.</summary>
    public long? QueuedAfterMs { get; set; }

    public bool Llm { get; set; }

    /// <summary>
    /// User turns: the language the advisor wrote in (<see cref="AgentLanguages"/>: <c>en</c>, <c>hi</c>, <c>hi-Latn</c>).
    /// Agent turns: the language of the reply. Null before the agent answered, and for turns recorded before languages existed.
    /// </summary>
    public string? Lang { get; set; }

    /// <summary><see cref="AgentPaths"/>, <c>button</c>, or <c>command</c> (a consent keyword or unlock trigger, handled by its feature).</summary>
    public string? Path { get; set; }

    /// <summary>The reply's outbox row (agent turns).</summary>
    public long? OutboxId { get; set; }

    /// <summary>Why a turn was not answered, what an action did (<c>handoff_opened</c>, <c>opted_out</c>, <c>unlock:queued</c>...), or the last error.</summary>
    public string? Note { get; set; }

    public IReadOnlyList<string> SourceList() =>
        string.IsNullOrEmpty(Sources) ? [] : Sources.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class ConversationTurnConfiguration : IEntityTypeConfiguration<ConversationTurn>
{
    public void Configure(EntityTypeBuilder<ConversationTurn> b)
    {
        b.ToTable("ConversationTurns");
        b.HasIndex(x => new { x.InboundWamid, x.Role }).IsUnique();
        // The work-queue claim (WorkQueue) takes the oldest due rows: State = 0 ORDER BY Id LIMIT n walks this index in order
        // and stops after n. An index on (State, NextAttemptAt) made it read and sort every pending row on each claim,
        // quadratic under a backlog (the ingest profile in BENCHMARKS.md).
        b.HasIndex(x => new { x.State, x.Id });
        b.HasIndex(x => new { x.AdvisorId, x.Id });
        b.HasIndex(x => new { x.Phone, x.Id });
        // The advisor timeline pages turns by time.
        b.HasIndex(x => new { x.Phone, x.At, x.Id });
        b.HasIndex(x => x.OutboxId);
        b.HasIndex(x => x.At);
        b.Property(x => x.Phone).HasMaxLength(20);
        b.Property(x => x.Role).HasMaxLength(8);
        b.Property(x => x.InboundWamid).HasMaxLength(256);
        b.Property(x => x.Kind).HasMaxLength(32);
        b.Property(x => x.Text).HasMaxLength(4096);
        b.Property(x => x.Intent).HasMaxLength(32);
        b.Property(x => x.Sources).HasMaxLength(2000);
        b.Property(x => x.Path).HasMaxLength(16);
        b.Property(x => x.Note).HasMaxLength(512);
        b.Property(x => x.Lang).HasMaxLength(8);
    }
}

using Hubix.Data;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Delivery;

/// <summary>Why a message is sent. Stored as its lower-case name (<c>daily</c>, <c>unlock</c>...) in <see cref="OutboxMessage.Purpose"/>.</summary>
public enum OutboxPurpose
{
    /// <summary>Hubix's own short answers: consent confirmations, "no pack yet", unknown senders.</summary>
    System,

    /// <summary>The daily template.</summary>
    Daily,

    /// <summary>A pack item.</summary>
    Unlock,

    /// <summary>The assistant's answer.</summary>
    Agent,

    /// <summary>A person's reply from the dashboard.</summary>
    Operator,
}

/// <summary>Which due messages the dispatcher claims first (<see cref="OutboxMessage.Priority"/>).</summary>
public enum OutboxPriority
{
    /// <summary>Someone is waiting for it now: a pack's first item, a reply.</summary>
    Waiting = 0,

    /// <summary>Nobody is looking at the chat yet: daily templates, a pack's later items.</summary>
    Background = 1,
}

/// <summary>One message to send, as a feature asks for it.</summary>
/// <param name="Message">The Cloud API message (validated against Meta's limits on enqueue).</param>
/// <param name="IdempotencyKey">Same key, same message: a second enqueue does nothing.</param>
/// <param name="Purpose">Why it is sent; reported back on delivery events and in the dashboard.</param>
/// <param name="Priority">Claimed before <see cref="OutboxPriority.Background"/> rows when someone waits for it.</param>
/// <param name="GroupKey">Messages of one group go strictly in order of <paramref name="Position"/>.</param>
/// <param name="ExpiresAt">Not sent after this (UTC); e.g. the end of the customer-service window.</param>
/// <param name="PackId">The content pack the message announces or carries, if any.</param>
/// <param name="PackVersion">The version of that pack sent, kept on the row as the record of which content went to whom.</param>
public sealed record OutboxRequest(
    RecipientMessage Message,
    string IdempotencyKey,
    OutboxPurpose Purpose,
    OutboxPriority Priority,
    string? GroupKey = null,
    int Position = 0,
    DateTime? ExpiresAt = null,
    long? PackId = null,
    int? PackVersion = null);

/// <summary>
/// Another feature's state kept in step with what is queued (e.g. a conversation no longer needs a reply once an answer is
/// queued), told inside the caller's unit of work, so both commit together. Register as a singleton; Delivery does not
/// know what it means, as with <see cref="OutboxHold"/>.
/// </summary>
public interface IOutboxListener
{
    /// <summary>Rows this unit of work just added (not saved yet). Plan writes on <paramref name="work"/>; do no I/O here.</summary>
    void Queued(UnitOfWork work, IReadOnlyList<OutboxMessage> added);
}

/// <summary>
/// Puts messages into the outbox inside the caller's unit of work, so that "what we decided" and "what we
/// will send" commit together, and wakes the dispatcher once that commit is done. Nothing here does network I/O.
/// </summary>
/// <param name="services">Resolves the <see cref="DeliveryEventPublisher"/> for cancellations when they commit (lazily: its
/// listeners include features that enqueue through this class).</param>
public sealed class Outbox(OutboxSignal signal, IServiceProvider? services = null)
{
    // Resolved on first use: listeners belong to features that enqueue through this class.
    private IOutboxListener[]? _listeners;

    /// <summary>
    /// Cancels <paramref name="recipient"/>'s rows that are still queued and that <paramref name="hold"/> matches, inside the
    /// unit of work's transaction, after its tracked rows were saved (so the hold sees the change just made, e.g. the
    /// advisor's new status, and rows this same unit of work enqueued are covered too). Rows already claimed are the
    /// dispatcher's: it evaluates the same hold in its claim. The cancellations are announced to
    /// <see cref="IDeliveryEvents"/> after the commit (state <see cref="OutboxState.Cancelled"/>).
    /// </summary>
    public void CancelHeld(UnitOfWork work, string recipient, OutboxHold hold)
    {
        var changes = new List<DeliveryStateChange>();
        work.Write(async (connection, tx, ct) =>
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            const string row = "\"OutboxMessages\"";
            cmd.CommandText =
                "UPDATE \"OutboxMessages\" SET \"State\" = " + OutboxStates.Sql(OutboxState.Cancelled) + ", \"ErrorReason\" = @reason, \"LeaseUntil\" = NULL " +
                "WHERE \"Recipient\" = @recipient AND \"State\" = " + OutboxStates.Sql(OutboxState.Queued) + " AND (" + hold.Condition(row) + ") " +
                "RETURNING \"Id\", \"Purpose\"";
            cmd.AddParameter("@reason", hold.Reason);
            cmd.AddParameter("@recipient", recipient);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                changes.Add(new DeliveryStateChange(reader.GetInt64(0), recipient, OutboxState.Cancelled, work.Now, null, Parse(reader.GetString(1)), null, hold.Reason));
            }
        });
        work.AfterCommit(() =>
        {
            if (changes.Count > 0 && services?.GetService<DeliveryEventPublisher>() is { } events)
            {
                foreach (var change in changes)
                {
                    events.Publish(change);
                }
            }
        });
    }

    /// <summary>
    /// Adds the requests whose idempotency keys are new to the unit of work. Returns the rows added; requests whose key
    /// exists are skipped. A concurrent enqueue of the same key fails the other transaction on the unique index, and
    /// its retry then sees the row and skips it.
    /// </summary>
    public async Task<IReadOnlyList<OutboxMessage>> EnqueueAsync(UnitOfWork work, IReadOnlyList<OutboxRequest> requests, CancellationToken ct)
    {
        var added = await AddAsync(work.Db, requests, work.Now, ct);
        if (added.Count > 0)
        {
            _listeners ??= services?.GetServices<IOutboxListener>().ToArray() ?? [];
            foreach (var listener in _listeners)
            {
                listener.Queued(work, added);
            }

            // Without this the dispatcher would still find the rows at its next idle poll (Hubix:Delivery:IdlePoll).
            work.AfterCommit(signal.Notify);
        }

        return added;
    }

    public Task<IReadOnlyList<OutboxMessage>> EnqueueAsync(UnitOfWork work, OutboxRequest request, CancellationToken ct) =>
        EnqueueAsync(work, [request], ct);

    /// <summary>
    /// Hubix's own short answer to a message that just arrived at <paramref name="at"/> (Meta's clock): a system text,
    /// first in line, that expires with the customer-service window that message opened.
    /// </summary>
    public Task<IReadOnlyList<OutboxMessage>> ReplyAsync(UnitOfWork work, string phone, string text, string key, DateTime at, CancellationToken ct) =>
        EnqueueAsync(work, new OutboxRequest(OutboundMessage.Text(phone, text), key, OutboxPurpose.System, OutboxPriority.Waiting,
            ExpiresAt: at + TimeSpan.FromHours(24)), ct);

    /// <summary>The purpose as stored: its lower-case name.</summary>
    public static string Name(OutboxPurpose purpose) => purpose switch
    {
        OutboxPurpose.System => "system",
        OutboxPurpose.Daily => "daily",
        OutboxPurpose.Unlock => "unlock",
        OutboxPurpose.Agent => "agent",
        OutboxPurpose.Operator => "operator",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, null),
    };

    /// <summary>A stored purpose back as the enum; null for a value this version does not know.</summary>
    public static OutboxPurpose? Parse(string? stored) => stored switch
    {
        "system" => OutboxPurpose.System,
        "daily" => OutboxPurpose.Daily,
        "unlock" => OutboxPurpose.Unlock,
        "agent" => OutboxPurpose.Agent,
        "operator" => OutboxPurpose.Operator,
        _ => null,
    };

    private static async Task<IReadOnlyList<OutboxMessage>> AddAsync(
        HubixDbContext db, IReadOnlyList<OutboxRequest> requests, DateTime now, CancellationToken ct)
    {
        foreach (var r in requests)
        {
            var problems = r.Message.Validate();
            if (problems.Count > 0)
            {
                throw new ArgumentException(
                    $"Message {r.IdempotencyKey} breaks Meta's limits: " + string.Join("; ", problems.Select(p => p.ToString())), nameof(requests));
            }
        }

        var keys = requests.Select(r => r.IdempotencyKey).Distinct(StringComparer.Ordinal).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(500))
        {
            existing.UnionWith(await db.Set<OutboxMessage>().Where(o => chunk.Contains(o.IdempotencyKey)).Select(o => o.IdempotencyKey).ToListAsync(ct));
        }

        // Also rows added to this context but not saved yet.
        existing.UnionWith(db.ChangeTracker.Entries<OutboxMessage>().Select(e => e.Entity.IdempotencyKey));

        var added = new List<OutboxMessage>();
        foreach (var r in requests)
        {
            if (!existing.Add(r.IdempotencyKey))
            {
                continue;
            }

            var row = new OutboxMessage
            {
                Recipient = r.Message.To,
                Kind = r.Message.Type,
                Payload = r.Message.ToRequestJson(),
                IdempotencyKey = r.IdempotencyKey,
                GroupKey = r.GroupKey,
                Position = r.Position,
                Purpose = Name(r.Purpose),
                Priority = (int)r.Priority,
                State = OutboxState.Queued,
                CreatedAt = now,
                NextAttemptAt = now,
                ExpiresAt = r.ExpiresAt,
                PackId = r.PackId,
                PackVersion = r.PackVersion,
            };
            db.Add(row);
            added.Add(row);
        }

        return added;
    }
}

using Hubix.Data;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Delivery;

/// <summary>One message to send, as a feature asks for it.</summary>
/// <param name="Message">The Cloud API message (validated against Meta's limits on enqueue).</param>
/// <param name="IdempotencyKey">Same key, same message: a second enqueue does nothing.</param>
/// <param name="Purpose">daily, unlock, agent, operator, system.</param>
/// <param name="GroupKey">Messages of one group go strictly in order of <paramref name="Position"/>.</param>
/// <param name="ExpiresAt">Not sent after this (UTC); e.g. the end of the customer-service window.</param>
public sealed record OutboxRequest(
    RecipientMessage Message,
    string IdempotencyKey,
    string Purpose,
    string? GroupKey = null,
    int Position = 0,
    DateTime? ExpiresAt = null);

/// <summary>
/// Puts messages into the outbox inside the caller's unit of work, so that "what we decided" and "what we
/// will send" commit together. The dispatcher sends them; nothing here does network I/O.
/// </summary>
public static class Outbox
{
    /// <summary>
    /// Adds the requests whose idempotency keys are new to <paramref name="db"/> (the caller saves). Returns
    /// the rows added; requests whose key exists are skipped. A concurrent enqueue of the same key fails
    /// the other transaction on the unique index, and its retry then sees the row and skips it.
    /// </summary>
    public static async Task<IReadOnlyList<OutboxMessage>> EnqueueAsync(
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
                Purpose = r.Purpose,
                Priority = r.Position == 0 && r.Purpose != "daily" ? 0 : 1,
                State = OutboxState.Queued,
                CreatedAt = now,
                NextAttemptAt = now,
                ExpiresAt = r.ExpiresAt,
            };
            db.Add(row);
            added.Add(row);
        }

        return added;
    }

    public static Task<IReadOnlyList<OutboxMessage>> EnqueueAsync(HubixDbContext db, OutboxRequest request, DateTime now, CancellationToken ct) =>
        EnqueueAsync(db, [request], now, ct);
}

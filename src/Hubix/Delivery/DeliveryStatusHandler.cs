using System.Globalization;
using System.Runtime.CompilerServices;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Delivery;

/// <summary>
/// Applies status webhooks (sent, delivered, read, failed) to outbox rows inside the inbox transaction (one
/// <see cref="InboxBatch.Write"/> each, in webhook order), so the status
/// and its effect commit together. Matches by wamid, else by <c>biz_opaque_callback_data</c> (our outbox id, which
/// also stores the wamid when the send's answer was lost). A status for a wamid we don't know yet stays in the
/// interaction log and is applied when the send's answer is stored. Monotonic and idempotent (see <see cref="StatusSql"/>);
/// the inbox already drops duplicates by (wamid, status).
/// </summary>
/// <remarks>
/// Also wakes the dispatcher after any inbox batch that enqueued outbox rows (an unlock, an agent reply), so the
/// first message goes out milliseconds after the commit instead of at the next poll.
/// </remarks>
internal sealed class DeliveryStatusHandler(OutboxSignal signal, DeliveryEventPublisher events) : IInboxHandler
{
    private readonly ConditionalWeakTable<InboxBatch, object> _hooked = [];

    public Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct)
    {
        if (_hooked.TryAdd(batch, this))
        {
            var db = batch.Db;
            batch.AfterCommit(() =>
            {
                if (db.ChangeTracker.Entries<OutboxMessage>().Any())
                {
                    signal.Notify();
                }
            });
        }

        if (evt is not MessageStatus status)
        {
            return Task.CompletedTask;
        }

        long? outboxId = long.TryParse(status.BizOpaqueCallbackData, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        var (wamid, at, code, details) = (status.MessageId, record.At, record.ErrorCode, record.ErrorDetails);
        batch.Write(async (connection, tx, token) =>
        {
            var change = await StatusSql.ApplyAsync(connection, tx, wamid, outboxId, status.Status, at, code, details, token);
            if (change is not null && (int)change.State == StateOf(status.Status))
            {
                batch.AfterCommit(() => events.Publish(change));
            }
        });
        return Task.CompletedTask;
    }

    private static int StateOf(string status) => status switch
    {
        "sent" => (int)OutboxState.Sent,
        "delivered" => (int)OutboxState.Delivered,
        "read" => (int)OutboxState.Read,
        "failed" => (int)OutboxState.Failed,
        _ => -1,
    };
}

using System.Globalization;
using Hubix.Data;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Delivery;

/// <summary>
/// Applies status webhooks (sent, delivered, read, failed) to outbox rows inside the inbox transaction (one
/// <see cref="UnitOfWork.Write"/> each, in webhook order), so the status and its effect commit together. Matches by
/// wamid, else by <c>biz_opaque_callback_data</c> (our outbox id, which also stores the wamid when the send's answer was
/// lost). A status that matches no row yet is kept in <see cref="UnmatchedStatus"/> and applied when its row is known.
/// Monotonic and idempotent (see <see cref="StatusSql"/>); the inbox already drops duplicates by (wamid, status).
/// </summary>
internal sealed class DeliveryStatusHandler(DeliveryEventPublisher events) : IInboxHandler
{
    public Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> batch, CancellationToken ct)
    {
        foreach (var (evt, record) in batch)
        {
            if (evt is MessageStatus status)
            {
                Plan(work, status, record);
            }
        }

        return Task.CompletedTask;
    }

    private void Plan(UnitOfWork work, MessageStatus status, Interaction record)
    {
        long? outboxId = long.TryParse(status.BizOpaqueCallbackData, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        var (wamid, at, code, details) = (status.MessageId, record.At, record.ErrorCode, record.ErrorDetails);
        work.Write(async (connection, tx, token) =>
        {
            var change = await StatusSql.ApplyAsync(connection, tx, wamid, outboxId, status.Status, at, code, details, work.Now, token);
            if (change is not null && (int)change.State == StateOf(status.Status))
            {
                work.AfterCommit(() => events.Publish(change));
            }
        });
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

using Hubix.Delivery;

namespace Hubix.DailyPack;

/// <summary>
/// Live <c>delivery</c> events for failed daily templates and pack messages, with Meta's code: what the operator
/// watching the dashboard must act on. (Status webhooks also show as <c>status</c>/<c>failure</c>; this one covers send
/// errors and expiries that never reach a webhook.)
/// </summary>
internal sealed class DeliveryFailureFeed(LiveFeed feed) : IDeliveryEvents
{
    public void OnStateChanged(DeliveryStateChange change)
    {
    }

    public void OnFailed(DeliveryStateChange change)
    {
        if (change.Purpose is not ("daily" or "unlock"))
        {
            return;
        }

        feed.Publish(new LiveEvent("delivery", change.At, change.Recipient, new
        {
            outboxId = change.OutboxId,
            purpose = change.Purpose,
            state = "failed",
            errorCode = change.ErrorCode,
            errorReason = change.ErrorReason is { Length: > 300 } r ? r[..300] : change.ErrorReason,
            errorClass = change.ErrorClass?.ToString(),
            waMessageId = change.WaMessageId,
        }));
    }
}

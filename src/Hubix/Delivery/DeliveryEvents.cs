using Hubix.WhatsApp.Client;

namespace Hubix.Delivery;

/// <summary>One outbox row moved to <see cref="State"/> (a send result or a status webhook).</summary>
/// <param name="OutboxId">The row (also the <c>biz_opaque_callback_data</c> Meta echoes).</param>
/// <param name="Recipient">The advisor's phone (digits).</param>
/// <param name="State">The row's state after the change.</param>
/// <param name="At">When: Meta's timestamp for status webhooks, our clock for send results.</param>
/// <param name="ErrorCode">Meta's code (or ours: -1 transport, -2 validation) when it failed.</param>
/// <param name="ErrorReason">Why it failed: <c>window_expired</c>, <c>previous_failed</c>, <c>max_attempts</c>, or Meta's details.</param>
/// <param name="ErrorClass">How the code is classified (e.g. <see cref="WhatsApp.Client.ErrorClass.WindowClosed"/> for 131047,
/// <see cref="WhatsApp.Client.ErrorClass.OptedOut"/> for 131050), when there is a code.</param>
public sealed record DeliveryStateChange(
    long OutboxId,
    string Recipient,
    OutboxState State,
    DateTime At,
    string? WaMessageId = null,
    OutboxPurpose? Purpose = null,
    int? ErrorCode = null,
    string? ErrorReason = null,
    ErrorClass? ErrorClass = null);

/// <summary>
/// What other features hear from delivery, after the change committed: the advisors feature marks the window closed
/// on 131047 and records an opt-out on 131050; the live feed and the dashboard show every change. Register any number
/// of implementations as singletons (<c>services.AddSingleton&lt;IDeliveryEvents, MyListener&gt;()</c>).
/// </summary>
/// <remarks>
/// Calls are made on the dispatcher's or the inbox worker's thread: keep them short and non-blocking (hand work to a
/// channel or your own outbox). An exception is logged and ignored. These are notifications, at most once: a crash
/// right after the commit loses them. The durable truth is the row (<see cref="OutboxMessage.State"/>,
/// <see cref="OutboxMessage.ErrorCode"/>); a feature that must not miss one re-reads failed rows on start.
/// </remarks>
public interface IDeliveryEvents
{
    /// <summary>Every state change, failures included.</summary>
    void OnStateChanged(DeliveryStateChange change);

    /// <summary>Only failures (state <see cref="OutboxState.Failed"/>), also when a <c>failed</c> status webhook follows <c>sent</c>.</summary>
    void OnFailed(DeliveryStateChange change);
}

/// <summary>
/// Fans a change out to every <see cref="IDeliveryEvents"/>, isolating their failures, and puts each failure on the live
/// feed as a <c>delivery</c> event with Meta's code: what the operator watching the dashboard must act on (status webhooks
/// show as <c>failure</c> too; this one also covers send errors and expiries that never reach a webhook).
/// </summary>
public sealed class DeliveryEventPublisher(IEnumerable<IDeliveryEvents> listeners, LiveFeed feed, ILogger<DeliveryEventPublisher> logger)
{
    private readonly IDeliveryEvents[] _listeners = listeners.ToArray();

    public void Publish(DeliveryStateChange change)
    {
        if (change.State == OutboxState.Failed)
        {
            feed.Publish(new LiveEvent("delivery", change.At, change.Recipient, new
            {
                outboxId = change.OutboxId,
                purpose = change.Purpose is { } purpose ? Outbox.Name(purpose) : null,
                state = "failed",
                errorCode = change.ErrorCode,
                errorReason = change.ErrorReason is { Length: > 300 } r ? r[..300] : change.ErrorReason,
                errorClass = change.ErrorClass?.ToString(),
                waMessageId = change.WaMessageId,
            }));
        }

        foreach (var listener in _listeners)
        {
            try
            {
                listener.OnStateChanged(change);
                if (change.State == OutboxState.Failed)
                {
                    listener.OnFailed(change);
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Delivery listener {Listener} failed on outbox {OutboxId}", listener.GetType().Name, change.OutboxId);
            }
        }
    }
}

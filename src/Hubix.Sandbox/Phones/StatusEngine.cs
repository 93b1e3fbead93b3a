using Hubix.Sandbox.Webhooks;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Phones;

/// <summary>
/// Plays out what happens on the phone after Meta accepts a message: <c>sent</c> after StatusDelay, <c>delivered</c>
/// after another StatusDelay, then (ReadShare of them) <c>read</c> after ReadDelay; or, for a free-form message to a
/// phone whose window is closed, a <c>failed</c> status with 131047.
/// </summary>
internal sealed class StatusEngine(IOptions<SandboxOptions> options, DelayScheduler scheduler, FaultInjector faults, WebhookDispatcher webhooks, TimeProvider time)
{
    private readonly SandboxOptions _o = options.Value;

    public void OnAccepted(OutboundMessage m, bool windowOpen)
    {
        var generation = webhooks.Generation;
        var delay = _o.StatusDelay;
        if (m.NeedsWindow && !windowOpen)
        {
            scheduler.Schedule(delay, () => Emit(m, MessageStatus.Failed, generation));
            return;
        }
        var reorder = faults.Roll(faults.Current.WebhookReorderShare);
        scheduler.Schedule(delay, () =>
        {
            if (!reorder) Emit(m, MessageStatus.Sent, generation);
            scheduler.Schedule(delay, () =>
            {
                Emit(m, MessageStatus.Delivered, generation);
                if (reorder) Emit(m, MessageStatus.Sent, generation);
                if (faults.Roll(_o.ReadShare)) scheduler.Schedule(_o.ReadDelay, () => EmitRead(m, generation));
            });
        });
    }

    /// <summary>The phone read the message (a tap implies it): emits <c>read</c> once.</summary>
    public void EmitRead(OutboundMessage m) => EmitRead(m, webhooks.Generation);

    private void EmitRead(OutboundMessage m, long generation)
    {
        if (m.Status == MessageStatus.Failed || !m.ClaimRead()) return;
        Emit(m, MessageStatus.Read, generation);
    }

    private void Emit(OutboundMessage m, MessageStatus status, long generation)
    {
        if (generation != webhooks.Generation) return;
        m.Advance(status);
        webhooks.EnqueueStatus(new StatusEvent(m, status, time.GetUtcNow()));
    }
}

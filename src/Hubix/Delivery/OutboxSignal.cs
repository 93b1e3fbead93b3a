namespace Hubix.Delivery;

/// <summary>
/// Wakes the dispatcher at once after something was enqueued and committed: call <see cref="Notify"/> after the
/// commit (in an inbox handler: <c>batch.AfterCommit(signal.Notify)</c>). Without it the dispatcher still finds the
/// row within <see cref="DeliveryOptions.IdlePoll"/>. Inbox batches that added outbox rows notify on their own.
/// </summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>True when signalled, false on timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

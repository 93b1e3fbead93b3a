namespace Hubix.Kernel;

/// <summary>
/// Wakes a polling worker as soon as there is work: <see cref="Notify"/> after a commit, <see cref="WaitAsync"/> in
/// the worker's idle wait. Many notifications before the worker looks collapse into one wake-up.
/// Each worker has its own subclass so that dependency injection hands out one instance per worker.
/// </summary>
public abstract class WakeSignal
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

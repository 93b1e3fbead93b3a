using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Hubix.Sandbox.Webhooks;

/// <summary>
/// Runs actions after a delay measured on the injected <see cref="TimeProvider"/> (so FakeTimeProvider drives it in
/// tests). A zero delay runs the action inline. Timers are kept referenced until they fire, and can all be cancelled.
/// </summary>
internal sealed partial class DelayScheduler(TimeProvider time, ILogger<DelayScheduler> logger) : IDisposable
{
    private readonly ConcurrentDictionary<long, ITimer> _timers = new();
    private long _next;

    public int Pending => _timers.Count;

    public void Schedule(TimeSpan delay, Action action)
    {
        if (delay <= TimeSpan.Zero)
        {
            Run(action);
            return;
        }
        var id = Interlocked.Increment(ref _next);
        var timer = time.CreateTimer(static state =>
        {
            var (self, id, action) = ((DelayScheduler, long, Action))state!;
            if (!self._timers.TryRemove(id, out var t)) return;
            t.Dispose();
            self.Run(action);
        }, (this, id, action), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timers[id] = timer;
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    public void CancelAll()
    {
        foreach (var id in _timers.Keys)
        {
            if (_timers.TryRemove(id, out var t)) t.Dispose();
        }
    }

    public void Dispose() => CancelAll();

    private void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            LogActionFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled sandbox action failed")]
    private static partial void LogActionFailed(ILogger logger, Exception ex);
}

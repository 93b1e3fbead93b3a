namespace Hubix.Kernel;

/// <summary>
/// The one shape of Hubix's background loops: run a round, then wait as long as the round says (zero: more is waiting,
/// go again at once); <see cref="OperationCanceledException"/> on stop ends the loop, any other error is logged and the
/// loop goes on after <see cref="ErrorDelay"/>. Every wait is on the injected <see cref="TimeProvider"/>, so tests move
/// time instead of sleeping.
/// </summary>
public abstract class PollingWorker(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>Pause after a failed round, so a broken database is not hammered.</summary>
    protected virtual TimeSpan ErrorDelay => TimeSpan.FromMilliseconds(500);

    protected TimeProvider Time => time;

    protected ILogger Logger => logger;

    /// <summary>One round of work; returns how long to wait before the next (zero or less: at once).</summary>
    protected abstract Task<TimeSpan> RunRoundAsync(CancellationToken ct);

    /// <summary>The wait between rounds; workers with a <see cref="WakeSignal"/> wake early on it.</summary>
    protected virtual Task WaitAsync(TimeSpan wait, CancellationToken ct) => Task.Delay(wait, time, ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = await RunRoundAsync(stoppingToken);
                if (wait > TimeSpan.Zero)
                {
                    await WaitAsync(wait, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Worker} round failed; trying again in {Delay}", GetType().Name, ErrorDelay);
                try
                {
                    await Task.Delay(ErrorDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}

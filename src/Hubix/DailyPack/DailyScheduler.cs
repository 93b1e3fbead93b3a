using Hubix.Content;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// Ticks on the injected clock (every <see cref="ScheduleOptions.Tick"/>, and once at start so a server that was
/// down at 05:00 catches up) and asks <see cref="DailySender"/> to enqueue whatever is due. Several replicas may
/// tick at once: the DailySend unique index keeps it to one template per advisor-day.
/// </summary>
public sealed class DailyScheduler(
    DailySender sender, MediaUploader uploader, IOptions<ScheduleOptions> options, TimeProvider time, ILogger<DailyScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Tick, time);
        do
        {
            try
            {
                await sender.RunAsync(new DailyRequest("scheduler"), stoppingToken);

                // Keep media ids of yesterday's to tomorrow's packs fresh (re-upload before Meta's 30 days run out).
                var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
                await uploader.EnsureUploadedForDatesAsync(today.AddDays(-1), today.AddDays(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Daily scheduler tick failed; next tick in {Tick}", options.Value.Tick);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

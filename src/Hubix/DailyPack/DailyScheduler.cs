using Hubix.Data;
using Hubix.Content;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// Ticks on the injected clock (every <see cref="ScheduleOptions.Tick"/>, and once at start so a server that was
/// down at 05:00 catches up) and asks <see cref="DailySender"/> to enqueue whatever is due. Several replicas may
/// tick at once: the DailySend unique index keeps it to one template per advisor-day.
/// </summary>
public sealed class DailyScheduler(
    DailySender sender, MediaUploader uploader, ReplicaLease lease, IOptions<ScheduleOptions> options, TimeProvider time, ILogger<DailyScheduler> logger) : PollingWorker(time, logger)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Enabled)
        {
            await base.ExecuteAsync(stoppingToken);
        }
    }

    // The first round runs at start, so a server that was down at 05:00 catches up at once.
    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct)
    {
        if (!lease.IsHeld)
        {
            return options.Value.Tick; // the leading replica runs the schedule (ADR-007)
        }

        await sender.RunAsync(new DailyRequest("scheduler"), ct);

        // Keep media ids of yesterday's to tomorrow's packs fresh (re-upload before Meta's 30 days run out).
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        await uploader.EnsureUploadedForDatesAsync(today.AddDays(-1), today.AddDays(1), ct);
        return options.Value.Tick;
    }

    protected override TimeSpan ErrorDelay => options.Value.Tick;
}

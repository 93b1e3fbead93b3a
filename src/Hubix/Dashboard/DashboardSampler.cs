using Hubix.Data;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// Every <see cref="DashboardOptions.SnapshotInterval"/>: samples the gauges, and when anyone is watching, puts
/// today's figures on the live feed as a <c>metrics</c> event.
/// </summary>
internal sealed class DashboardSampler(
    HubixDb db, HubixMetrics metrics, MetricsService service, LiveFeed feed, IOptions<DashboardOptions> options, TimeProvider time, ILogger<DashboardSampler> logger)
    : BackgroundService
{
    public LiveEvent? Last { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow().UtcDateTime;
                await metrics.SampleAsync(db, now, stoppingToken);
                if (feed.ClientCount > 0)
                {
                    Last = await SnapshotAsync(now, stoppingToken);
                    feed.Publish(Last);
                }

                await Task.Delay(options.Value.SnapshotInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Dashboard sampling failed; trying again");
                await Task.Delay(options.Value.SnapshotInterval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async Task<LiveEvent> SnapshotAsync(DateTime now, CancellationToken ct)
    {
        var today = LocalDay.Of(now, options.Value.Zone());
        var day = (await service.ComputeAsync(today, today, ct)).Days[0];
        return new LiveEvent("metrics", now, null, new
        {
            today = day,
            inboxLagSeconds = metrics.InboxLagSeconds,
            inboxPending = metrics.InboxPending,
            outboxDepth = metrics.OutboxDepth.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value),
            liveClients = feed.ClientCount,
        });
    }
}

using Hubix.Data;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// Every <see cref="DashboardOptions.SnapshotInterval"/>: samples the gauges, and when anyone is watching, puts
/// today's figures on the live feed as a <c>metrics</c> event.
/// </summary>
internal sealed class DashboardSampler(
    HubixDb db, HubixMetrics metrics, MetricsService service, LiveFeed feed, IOptions<DashboardOptions> options, TimeProvider time, ILogger<DashboardSampler> logger)
    : PollingWorker(time, logger)
{
    public LiveEvent? Last { get; private set; }

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        await metrics.SampleAsync(db, now, ct);
        if (feed.ClientCount > 0)
        {
            Last = await SnapshotAsync(now, ct);
            feed.PublishLocal(Last);
        }

        return options.Value.SnapshotInterval;
    }

    protected override TimeSpan ErrorDelay => options.Value.SnapshotInterval;

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

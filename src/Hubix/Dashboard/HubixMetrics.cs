using System.Diagnostics.Metrics;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// The <c>Hubix</c> meter, exported at <c>/metrics</c> (Prometheus). Features record into the instruments
/// here instead of creating their own meters:
/// <list type="bullet">
/// <item><see cref="RecordSend"/> from the dispatcher after each Graph call (<c>hubix_sends_total{purpose,result,error_code}</c>);</item>
/// <item><see cref="AgentLatency"/> from the agent per answer (<c>hubix_agent_latency_seconds</c>).</item>
/// </list>
/// Observed here: webhook requests by result, inbox lag, outbox depth by state, live-feed clients.
/// </summary>
public sealed class HubixMetrics
{
    public const string MeterName = "Hubix";

    private volatile IReadOnlyDictionary<OutboxState, long> _outboxDepth = new Dictionary<OutboxState, long>();
    private double _inboxLagSeconds;
    private long _inboxPending;

    public HubixMetrics(IMeterFactory meters, WebhookCounters webhooks, LiveFeed feed)
    {
        Meter = meters.Create(MeterName);
        Sends = Meter.CreateCounter<long>("hubix.sends", description: "Graph send attempts by purpose, result (accepted, failed, retry) and Meta error code.");
        AgentLatency = Meter.CreateHistogram<double>("hubix.agent.latency", unit: "s", description: "Time from an advisor's message to the agent's answer being queued.");
        Meter.CreateObservableCounter("hubix.webhook.requests", () =>
        {
            var list = new List<Measurement<long>> { new(webhooks.AcceptedCount, new KeyValuePair<string, object?>("result", "accepted")) };
            list.AddRange(webhooks.RejectedCounts.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("result", r.Key))));
            return list;
        }, description: "Webhook POSTs by result: accepted, bad_signature, malformed, too_large, store_failed.");
        Meter.CreateObservableGauge("hubix.inbox.lag", () => Volatile.Read(ref _inboxLagSeconds), unit: "s", description: "Age of the oldest webhook body not processed yet (0 when none).");
        Meter.CreateObservableGauge("hubix.inbox.pending", () => Interlocked.Read(ref _inboxPending), description: "Webhook bodies waiting for the inbox worker.");
        Meter.CreateObservableGauge("hubix.outbox.depth", () => _outboxDepth.Select(kv =>
            new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key.ToString().ToLowerInvariant()))), description: "Outbox messages by state.");
        Meter.CreateObservableGauge("hubix.live.clients", () => feed.ClientCount, description: "Connected live-feed (WebSocket) clients.");
        Meter.CreateObservableCounter("hubix.live.dropped", () => feed.DroppedCount, description: "Live-feed clients dropped for reading too slowly.");
    }

    public Meter Meter { get; }
    public Counter<long> Sends { get; }
    public Histogram<double> AgentLatency { get; }

    /// <summary>One Graph send attempt. <paramref name="result"/>: accepted, failed, retry.</summary>
    public void RecordSend(string purpose, string result, int? errorCode = null) =>
        Sends.Add(1, new KeyValuePair<string, object?>("purpose", purpose), new KeyValuePair<string, object?>("result", result),
            new KeyValuePair<string, object?>("error_code", errorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));

    public double InboxLagSeconds => Volatile.Read(ref _inboxLagSeconds);
    public long InboxPending => Interlocked.Read(ref _inboxPending);
    public IReadOnlyDictionary<OutboxState, long> OutboxDepth => _outboxDepth;

    internal async Task SampleAsync(HubixDb db, DateTime now, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var pending = context.Set<InboxEvent>().AsNoTracking().Where(e => e.State == InboxState.Pending);
        var oldest = await pending.OrderBy(e => e.Id).Select(e => (DateTime?)e.ReceivedAt).FirstOrDefaultAsync(ct);
        Interlocked.Exchange(ref _inboxPending, await pending.LongCountAsync(ct));
        Volatile.Write(ref _inboxLagSeconds, oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
        _outboxDepth = await context.Set<OutboxMessage>().AsNoTracking().GroupBy(m => m.State)
            .Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }
}

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

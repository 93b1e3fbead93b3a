using System.Diagnostics.Metrics;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>
/// The <c>Hubix</c> meter, exported at <c>/metrics</c> (Prometheus): webhook requests by result, inbox lag, outbox depth
/// by state and live-feed clients, observed here (the gauges sampled by <see cref="DashboardSampler"/>), and
/// <see cref="AgentLatency"/>, which the agent records per answer (<c>hubix_agent_latency_seconds</c>).
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
        Meter.CreateObservableCounter("hubix.webhook.requests", () =>
        {
            var list = new List<Measurement<long>> { new(webhooks.AcceptedCount, new KeyValuePair<string, object?>("result", "accepted")) };
            list.AddRange(webhooks.RejectedCounts.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("result", r.Key))));
            return list;
        }, description: "Webhook POSTs by result: accepted, bad_signature, malformed, too_large, store_failed.");
        Meter.CreateObservableGauge("hubix.inbox.lag", () => Volatile.Read(ref _inboxLagSeconds), unit: "s", description: "Age of the oldest webhook body not processed yet (0 when none).");
        Meter.CreateObservableGauge("hubix.inbox.pending", () => Interlocked.Read(ref _inboxPending), description: "Webhook bodies waiting for the inbox worker.");
        Meter.CreateObservableGauge("hubix.outbox.depth", () => _outboxDepth.Select(kv =>
            new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key.ToString().ToLowerInvariant()))), description: "Outbox messages waiting to go out, by state (queued, sending).");
        Meter.CreateObservableGauge("hubix.live.clients", () => feed.ClientCount, description: "Connected live-feed (WebSocket) clients.");
        Meter.CreateObservableCounter("hubix.live.dropped", () => feed.DroppedCount, description: "Live-feed clients dropped for reading too slowly.");
    }

    public Meter Meter { get; }

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
        // Only the work still waiting (a range of the State index): the final states grow with every day of history, and
        // their counts per day are in the rollups.
        _outboxDepth = await context.Set<OutboxMessage>().AsNoTracking().Where(m => m.State == OutboxState.Queued || m.State == OutboxState.Sending).GroupBy(m => m.State)
            .Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }
}

using System.Collections.Concurrent;

namespace Hubix.Sandbox;

/// <summary>Counters behind <c>GET /_sandbox/stats</c>; all updates are single interlocked operations.</summary>
internal sealed class SandboxStats
{
    private long _accepted;
    private long _inbound;
    private long _held;
    private long _webhooksEnqueued;
    private long _webhooksSent;
    private long _webhooksFailed;
    private long _webhooksRetried;
    private long _webhooksAbandoned;
    private long _webhooksDropped;
    private long _webhooksDuplicated;
    private long _webhooksDelayed;
    private long _webhooksSkipped;
    private long _statusesSent;
    private ConcurrentDictionary<int, long> _rejected = new();

    public long Accepted => Volatile.Read(ref _accepted);

    public void OnAccepted() => Interlocked.Increment(ref _accepted);
    public void OnRejected(int code) => _rejected.AddOrUpdate(code, 1, static (_, n) => n + 1);
    public void OnInbound() => Interlocked.Increment(ref _inbound);
    public void OnHeld() => Interlocked.Increment(ref _held);
    public void OnWebhookEnqueued() => Interlocked.Increment(ref _webhooksEnqueued);
    public void OnWebhookSent(int statuses)
    {
        Interlocked.Increment(ref _webhooksSent);
        if (statuses > 0) Interlocked.Add(ref _statusesSent, statuses);
    }
    public void OnWebhookFailed() => Interlocked.Increment(ref _webhooksFailed);
    public void OnWebhookRetried() => Interlocked.Increment(ref _webhooksRetried);
    public void OnWebhookAbandoned() => Interlocked.Increment(ref _webhooksAbandoned);
    public void OnWebhookDropped() => Interlocked.Increment(ref _webhooksDropped);
    public void OnWebhookDuplicated() => Interlocked.Increment(ref _webhooksDuplicated);
    public void OnWebhookDelayed() => Interlocked.Increment(ref _webhooksDelayed);
    public void OnWebhookSkipped() => Interlocked.Increment(ref _webhooksSkipped);

    public void Reset()
    {
        Volatile.Write(ref _accepted, 0);
        Volatile.Write(ref _inbound, 0);
        Volatile.Write(ref _held, 0);
        Volatile.Write(ref _webhooksEnqueued, 0);
        Volatile.Write(ref _webhooksSent, 0);
        Volatile.Write(ref _webhooksFailed, 0);
        Volatile.Write(ref _webhooksRetried, 0);
        Volatile.Write(ref _webhooksAbandoned, 0);
        Volatile.Write(ref _webhooksDropped, 0);
        Volatile.Write(ref _webhooksDuplicated, 0);
        Volatile.Write(ref _webhooksDelayed, 0);
        Volatile.Write(ref _webhooksSkipped, 0);
        Volatile.Write(ref _statusesSent, 0);
        _rejected = new();
    }

    public StatsSnapshot Snapshot(int phones, int queued, int pending) => new(
        Volatile.Read(ref _accepted),
        _rejected.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value, StringComparer.Ordinal),
        _rejected.Values.Sum(),
        Volatile.Read(ref _inbound),
        Volatile.Read(ref _held),
        phones,
        Volatile.Read(ref _webhooksEnqueued),
        Volatile.Read(ref _webhooksSent),
        Volatile.Read(ref _statusesSent),
        Volatile.Read(ref _webhooksFailed),
        Volatile.Read(ref _webhooksRetried),
        Volatile.Read(ref _webhooksAbandoned),
        Volatile.Read(ref _webhooksDropped),
        Volatile.Read(ref _webhooksDuplicated),
        Volatile.Read(ref _webhooksDelayed),
        Volatile.Read(ref _webhooksSkipped),
        queued,
        pending);
}

/// <summary>The body of <c>GET /_sandbox/stats</c>.</summary>
internal sealed record StatsSnapshot(
    long Accepted,
    Dictionary<string, long> Rejected,
    long RejectedTotal,
    long Inbound,
    long SendsHeld,
    int Phones,
    long WebhooksEnqueued,
    long WebhooksSent,
    long StatusesSent,
    long WebhooksFailed,
    long WebhooksRetried,
    long WebhooksAbandoned,
    long WebhooksDropped,
    long WebhooksDuplicated,
    long WebhooksDelayed,
    long WebhooksSkipped,
    int WebhooksQueued,
    int TimersPending);

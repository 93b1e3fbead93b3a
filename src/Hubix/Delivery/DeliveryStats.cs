using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Delivery;

/// <summary>
/// Counters of this process's dispatcher for <c>/metrics</c> and the dashboard: sends by result and by error code,
/// the achieved accept rate, the rate in force, and (from the database, all replicas) the outbox depth by state.
/// Also published as the <c>Hubix.Delivery</c> meter.
/// </summary>
public sealed class DeliveryStats : IDisposable
{
    public const string MeterName = "Hubix.Delivery";
    private const int WindowSeconds = 10;

    private readonly HubixDb _db;
    private readonly TimeProvider _time;
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _sends;
    private readonly ConcurrentDictionary<string, long> _byResult = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _byCode = new();
    private readonly long[] _acceptedPerSecond = new long[WindowSeconds];
    private readonly long[] _secondOfSlot = new long[WindowSeconds];
    private readonly Lock _lock = new();

    public DeliveryStats(HubixDb db, TimeProvider time)
    {
        _db = db;
        _time = time;
        _sends = _meter.CreateCounter<long>("hubix.delivery.sends", description: "Send attempts by result and error code");
        _meter.CreateObservableGauge("hubix.delivery.rate", () => AchievedRate, unit: "{message}/s", description: "Messages accepted per second (last 10 s)");
        _meter.CreateObservableGauge("hubix.delivery.rate_limit", () => CurrentRateLimit, unit: "{message}/s", description: "Send rate in force");
        _meter.CreateObservableGauge("hubix.delivery.in_flight", () => InFlight, description: "Sends waiting for Meta's answer");
    }

    /// <summary>accepted, retry, failed, requeued (auth), uncertain (no answer; reconciled later), window_expired, previous_failed, released (paced).</summary>
    public IReadOnlyDictionary<string, long> SendsByResult => new Dictionary<string, long>(_byResult, StringComparer.Ordinal);

    /// <summary>Errors by Meta's code (negative: ours; -1 transport, -2 validation).</summary>
    public IReadOnlyDictionary<int, long> ErrorsByCode => new Dictionary<int, long>(_byCode);

    /// <summary>Messages/s the throughput bucket allows now (lower than configured after a 130429).</summary>
    public double CurrentRateLimit { get; internal set; }

    public int InFlight { get; internal set; }

    /// <summary>Messages accepted per second, averaged over the last 10 seconds.</summary>
    public double AchievedRate
    {
        get
        {
            var now = Second();
            long total = 0;
            lock (_lock)
            {
                for (var i = 0; i < WindowSeconds; i++)
                {
                    if (now - _secondOfSlot[i] < WindowSeconds)
                    {
                        total += _acceptedPerSecond[i];
                    }
                }
            }

            return total / (double)WindowSeconds;
        }
    }

    internal void Record(string result, int? code = null)
    {
        _byResult.AddOrUpdate(result, 1, (_, n) => n + 1);
        if (code is { } c)
        {
            _byCode.AddOrUpdate(c, 1, (_, n) => n + 1);
        }

        _sends.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("code", code));
        if (result == "accepted")
        {
            var second = Second();
            var slot = (int)(second % WindowSeconds);
            lock (_lock)
            {
                if (_secondOfSlot[slot] != second)
                {
                    _secondOfSlot[slot] = second;
                    _acceptedPerSecond[slot] = 0;
                }

                _acceptedPerSecond[slot]++;
            }
        }
    }

    /// <summary>Rows per state across all replicas (one GROUP BY on the outbox).</summary>
    public async Task<IReadOnlyDictionary<OutboxState, long>> DepthAsync(CancellationToken ct)
    {
        await using var context = _db.CreateDbContext();
        var rows = await context.Set<OutboxMessage>().GroupBy(o => o.State).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Key, r => r.Count);
    }

    private long Second() => _time.GetUtcNow().ToUnixTimeSeconds();

    public void Dispose() => _meter.Dispose();
}

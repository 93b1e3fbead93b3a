using System.Threading.Channels;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>
/// Keeps <see cref="UnlockRecord.State"/> current as the dispatcher works, instead of only when someone reads
/// <c>/api/unlocks</c> or the advisor taps again: hears every outbox change of purpose <c>unlock</c> (after commit),
/// hands the outbox id to a channel, and a background loop refreshes the unlocks of those groups in batches, saves,
/// and publishes a live <c>pack</c> event for each unlock whose state changed.
/// </summary>
/// <remarks>
/// Delivery events are at most once (a crash right after the commit loses them), so on start, every
/// <see cref="SweepInterval"/>, and whenever the channel overflowed, every unlock still <c>delivering</c> is refreshed too.
/// Refreshing is derived from the outbox rows and idempotent, so racing the list endpoint or the inbox is harmless.
/// </remarks>
public sealed class UnlockProgress(HubixDb db, LiveFeed feed, TimeProvider time, ILogger<UnlockProgress> logger) : BackgroundService, IDeliveryEvents
{
    /// <summary>Outbox ids refreshed per round.</summary>
    public const int MaxBatch = 500;

    /// <summary>Ids buffered before the listener gives up on single ids and asks for a full sweep.</summary>
    public const int Capacity = 10_000;

    /// <summary>How often every delivering unlock is refreshed anyway (lost events, other replicas' dispatchers).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Channel<long> _ids = Channel.CreateBounded<long>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private int _overflowed;

    public void OnStateChanged(DeliveryStateChange change)
    {
        if (change.Purpose != OutboxPurpose.Unlock)
        {
            return;
        }

        if (!_ids.Writer.TryWrite(change.OutboxId))
        {
            Interlocked.Exchange(ref _overflowed, 1);
        }
    }

    // Failures also arrive through OnStateChanged.
    public void OnFailed(DeliveryStateChange change)
    {
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var nextSweep = DateTime.MinValue; // first round: sweep everything still delivering
        var batch = new List<long>(MaxBatch);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow().UtcDateTime;
                if (now >= nextSweep || Interlocked.Exchange(ref _overflowed, 0) == 1)
                {
                    await SweepAsync(stoppingToken);
                    nextSweep = time.GetUtcNow().UtcDateTime + SweepInterval;
                }

                using (var timeout = new CancellationTokenSource(SweepInterval, time))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token))
                {
                    try
                    {
                        await _ids.Reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        continue; // time for the periodic sweep
                    }
                }

                while (batch.Count < MaxBatch && _ids.Reader.TryRead(out var id))
                {
                    batch.Add(id);
                }

                if (batch.Count > 0)
                {
                    await RefreshOutboxAsync(batch, stoppingToken);
                    batch.Clear();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The rows are the truth; the next sweep catches up what this round missed.
                logger.LogError(ex, "Unlock progress round failed ({Count} outbox ids); the next sweep catches up", batch.Count);
                batch.Clear();
                nextSweep = DateTime.MinValue;
                await DelayAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Refreshes the unlocks of the groups these outbox rows belong to; returns how many changed state.</summary>
    public async Task<int> RefreshOutboxAsync(IReadOnlyCollection<long> outboxIds, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var ids = outboxIds.Distinct().ToList();
        var keys = new List<string>();
        foreach (var chunk in ids.Chunk(MaxBatch))
        {
            keys.AddRange(await context.Set<OutboxMessage>().AsNoTracking()
                .Where(o => chunk.Contains(o.Id) && o.GroupKey != null).Select(o => o.GroupKey!).Distinct().ToListAsync(ct));
        }

        keys = keys.Where(k => k.StartsWith(UnlockTracker.GroupPrefix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var unlocks = new List<UnlockRecord>();
        foreach (var chunk in keys.Chunk(200))
        {
            unlocks.AddRange(await context.Set<UnlockRecord>().Where(u => chunk.Contains(u.GroupKey) && u.State == UnlockState.Delivering).ToListAsync(ct));
        }

        return await RefreshAndPublishAsync(context, unlocks, ct);
    }

    /// <summary>Refreshes every unlock still delivering; returns how many changed state.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var changed = 0;
        long after = 0;
        while (true)
        {
            await using var context = db.CreateDbContext();
            var unlocks = await context.Set<UnlockRecord>().Where(u => u.State == UnlockState.Delivering && u.Id > after)
                .OrderBy(u => u.Id).Take(MaxBatch).ToListAsync(ct);
            if (unlocks.Count == 0)
            {
                return changed;
            }

            after = unlocks[^1].Id;
            changed += await RefreshAndPublishAsync(context, unlocks, ct);
        }
    }

    private async Task<int> RefreshAndPublishAsync(HubixDbContext context, List<UnlockRecord> unlocks, CancellationToken ct)
    {
        if (unlocks.Count == 0)
        {
            return 0;
        }

        var before = unlocks.ToDictionary(u => u.Id, u => (u.State, u.FirstAcceptedAt));
        await UnlockTracker.RefreshAsync(context, unlocks, ct);
        var changed = unlocks.Where(u => u.State != before[u.Id].State).ToList();
        if (context.ChangeTracker.HasChanges())
        {
            using var gate = await db.EnterWriteAsync(ct); // in a tap storm this runs many times a second beside the intake
            await context.SaveChangesAsync(ct);
        }

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var u in changed)
        {
            logger.LogInformation("Unlock {UnlockId} ({Group}) is {State}", u.Id, u.GroupKey, UnlockEndpoints.StateName(u.State));
            feed.Publish(PackEvent(u, now));
        }

        return changed.Count;
    }

    /// <summary>The live <c>pack</c> event for an unlock's current state.</summary>
    public static LiveEvent PackEvent(UnlockRecord u, DateTime now) => new("pack", u.FinishedAt ?? now, u.Phone, new
    {
        unlockId = u.Id,
        state = UnlockEndpoints.StateName(u.State),
        packId = u.PackId,
        packDate = u.PackDate,
        scope = u.Scope,
        sequence = u.Sequence,
        items = u.ItemCount,
        skippedItems = u.SkippedItems,
        tappedAt = u.TappedAt,
        firstAcceptedAt = u.FirstAcceptedAt,
        deliveredAt = u.DeliveredAt,
        failureReason = u.FailureReason,
        resend = u.TapKind == UnlockResender.ResendKind,
    });

    private async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

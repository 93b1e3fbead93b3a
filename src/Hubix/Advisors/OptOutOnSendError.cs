using System.Threading.Channels;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// A send refused with 131050 (the user stopped marketing messages) is an opt-out, like the failed status webhook
/// that <see cref="AdvisorInboxHandler"/> handles: recorded with source <c>error_131050</c>, once (a second one finds the
/// advisor opted out already). Delivery events are at most once, so on start the failed rows of the last
/// <see cref="StartupLookback"/> with that code are checked again.
/// </summary>
internal sealed class OptOutOnSendError(HubixDb db, ConsentService consent, TimeProvider time, ILogger<OptOutOnSendError> logger) : BackgroundService, IDeliveryEvents
{
    public static readonly TimeSpan StartupLookback = TimeSpan.FromDays(7);

    private readonly Channel<DeliveryStateChange> _changes = Channel.CreateBounded<DeliveryStateChange>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite, // the startup check catches up what a flood dropped
    });

    public void OnStateChanged(DeliveryStateChange change)
    {
    }

    public void OnFailed(DeliveryStateChange change)
    {
        if (ConsentService.IsOptOut(change.ErrorCode, change.ErrorClass))
        {
            _changes.Writer.TryWrite(change);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await CatchUpAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Checking recent 131050 send errors for opt-outs failed");
        }

        var batch = new List<DeliveryStateChange>();
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < 500 && _changes.Reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                try
                {
                    await RecordAsync(batch.Select(c => (c.Recipient, c.At, "outbox " + c.OutboxId.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        + (c.WaMessageId is null ? "" : " " + c.WaMessageId))).ToList(), stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Recording {Count} opt-out(s) from 131050 failed; the next start checks them again", batch.Count);
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Failed rows with 131050 of the last days whose advisor is still active and has not changed consent since.</summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - StartupLookback;
        await using var context = db.CreateDbContext();
        var failed = await context.Set<OutboxMessage>().AsNoTracking()
            .Where(o => o.State == OutboxState.Failed && o.ErrorCode == ConsentService.StoppedMarketingCode && o.FailedAt >= since)
            .Select(o => new { o.Id, o.Recipient, o.FailedAt, o.WaMessageId }).ToListAsync(ct);
        if (failed.Count > 0)
        {
            await RecordAsync(failed.Select(f => (f.Recipient, f.FailedAt ?? since, "outbox " + f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + (f.WaMessageId is null ? "" : " " + f.WaMessageId))).ToList(), ct);
        }
    }

    /// <summary>Opts these recipients out (one ledger row each at most); skips an advisor whose consent changed at or after the failure.</summary>
    internal async Task<int> RecordAsync(IReadOnlyList<(string Phone, DateTime At, string Detail)> failures, CancellationToken ct)
    {
        await using var work = await UnitOfWork.BeginAsync(db, time.GetUtcNow().UtcDateTime, ct);
        var context = work.Db;
        var recorded = 0;
        foreach (var byPhone in failures.GroupBy(f => f.Phone, StringComparer.Ordinal))
        {
            var first = byPhone.OrderBy(f => f.At).First();
            var advisor = await context.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == byPhone.Key, ct);
            if (advisor is null || advisor.Status == AdvisorStatus.OptedOut || advisor.CreatedAt > first.At)
            {
                continue;
            }

            // They opted in again after the refused send (START, admin): the newer decision stands.
            if (await context.Set<ConsentEvent>().AnyAsync(e => e.AdvisorId == advisor.Id && e.At >= first.At, ct))
            {
                continue;
            }

            if (consent.Change(work, advisor, AdvisorStatus.OptedOut, "error_131050", first.Detail, first.At))
            {
                recorded++;
                logger.LogInformation("Advisor {Phone} opted out: a send failed with 131050 ({Detail})", advisor.Phone, first.Detail);
            }
        }

        await work.CommitAsync(ct);
        return recorded;
    }
}

using Hubix.Data;

namespace Hubix.Advisors;

/// <summary>
/// Follows an append-only table (the consent ledger, the daily runs) and announces each new row once, on the live
/// feed. Reading the table rather than hooking every writer catches them all (keyword, webhook, admin, scheduler,
/// CLI) and works on every replica, whichever one wrote the row.
/// </summary>
/// <remarks>
/// Rows committed before start are history, not news. Ids are re-read <see cref="Lookback"/> below the highest seen,
/// because on PostgreSQL a transaction can commit a lower id after a higher one became visible.
/// </remarks>
public abstract class LedgerTail<T>(HubixDb db, TimeProvider time, ILogger logger) : BackgroundService
    where T : class
{
    /// <summary>How far below the highest id seen new rows are still looked for.</summary>
    public const int Lookback = 256;

    private const int MaxRows = 1000;

    /// <summary>Time between two reads of the table.</summary>
    protected virtual TimeSpan PollInterval => TimeSpan.FromSeconds(1);

    protected abstract Task<long> MaxIdAsync(HubixDbContext context, CancellationToken ct);

    /// <summary>Rows with an id above <paramref name="afterId"/>, lowest first, at most <paramref name="take"/>.</summary>
    protected abstract Task<List<T>> AfterAsync(HubixDbContext context, long afterId, int take, CancellationToken ct);

    protected abstract long IdOf(T row);

    /// <summary>Announces one new row; must not throw (<see cref="Kernel.LiveFeed.Publish"/> never does).</summary>
    protected abstract void Announce(T row);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        long high = -1;
        var seen = new HashSet<long>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var context = db.CreateDbContext();
                if (high < 0)
                {
                    high = await MaxIdAsync(context, stoppingToken);
                    seen.UnionWith((await AfterAsync(context, high - Lookback, MaxRows, stoppingToken)).Select(IdOf));
                }
                else
                {
                    var rows = await AfterAsync(context, high - Lookback, MaxRows, stoppingToken);
                    foreach (var row in rows)
                    {
                        var id = IdOf(row);
                        if (seen.Add(id))
                        {
                            Announce(row);
                            high = Math.Max(high, id);
                        }
                    }

                    seen.RemoveWhere(id => id <= high - Lookback);
                    if (rows.Count == MaxRows)
                    {
                        continue; // a burst: read on at once
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Reading new {Table} rows for the live feed failed; trying again", typeof(T).Name);
            }

            try
            {
                await Task.Delay(PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}

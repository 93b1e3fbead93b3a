using System.Data.Common;
using Hubix.Data;
using Microsoft.Extensions.Options;

namespace Hubix.Webhooks;

/// <summary>
/// Deletes processed inbox bodies older than <see cref="InboxOptions.Retention"/>. Once a body is processed its events
/// live on as interactions (with their raw JSON), so the body is only kept for a window in which an operator may
/// want to look at it or re-process it; without this the inbox grows by every webhook forever (the ingest bench
/// writes 120 MB in 30 s). Pending and dead-lettered rows are never deleted.
/// </summary>
public sealed class InboxCleanup(HubixDb db, ReplicaLease lease, IOptions<InboxOptions> options, TimeProvider time, ILogger<InboxCleanup> logger) : PollingWorker(time, logger)
{
    private const int Chunk = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Retention > TimeSpan.Zero)
        {
            await base.ExecuteAsync(stoppingToken); // zero: kept forever
        }
    }

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct)
    {
        if (lease.IsHeld)
        {
            await RunOnceAsync(ct); // one cleanup at a time: the leading replica's (ADR-007)
        }

        return options.Value.CleanupInterval;
    }

    // A failed round waits a whole interval too: cleanup is never urgent.
    protected override TimeSpan ErrorDelay => options.Value.CleanupInterval;

    /// <summary>Deletes what is due now; returns how many rows it deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = Time.GetUtcNow().UtcDateTime - options.Value.Retention;
        await using var connection = await db.OpenConnectionAsync(ct);
        var lastId = await LastIdReceivedBeforeAsync(connection, cutoff, ct);
        if (lastId is not { } last)
        {
            return 0;
        }

        var deleted = 0;
        while (true)
        {
            // Short transactions under the write gate, so the webhook intake never waits long behind the cleanup.
            int n;
            using (await db.EnterWriteAsync(ct))
            {
                await using var cmd = connection.CreateCommand();
                cmd.CommandText =
                    "DELETE FROM \"InboxEvents\" WHERE \"Id\" IN (SELECT \"Id\" FROM \"InboxEvents\" " +
                    "WHERE \"Id\" <= @last AND \"State\" = @done ORDER BY \"Id\" LIMIT @chunk)";
                cmd.AddParameter("@last", last);
                cmd.AddParameter("@done", (int)InboxState.Done);
                cmd.AddParameter("@chunk", Chunk);
                n = await cmd.ExecuteNonQueryAsync(ct);
            }

            deleted += n;
            if (n < Chunk)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            Logger.LogInformation("Inbox cleanup deleted {Count} processed bodies received before {Cutoff:u}", deleted, cutoff);
        }

        return deleted;
    }

    /// <summary>
    /// Ids grow with ReceivedAt (one clock, inserted in order), so a binary search over the primary key finds the last
    /// row received before the cutoff in about 30 index lookups, with no index on ReceivedAt and no scan.
    /// </summary>
    private static async Task<long?> LastIdReceivedBeforeAsync(DbConnection connection, DateTime cutoff, CancellationToken ct)
    {
        var bounds = await ReadAsync(connection, "SELECT MIN(\"Id\"), MAX(\"Id\") FROM \"InboxEvents\"", null, ct);
        if (bounds is not ({ } lo, { } hi))
        {
            return null;
        }

        long? found = null;
        while (lo <= hi)
        {
            var mid = lo + (hi - lo) / 2;
            var row = await ReadAsync(connection,
                "SELECT \"Id\", CASE WHEN \"ReceivedAt\" < @cutoff THEN 1 ELSE 0 END FROM \"InboxEvents\" WHERE \"Id\" >= @mid ORDER BY \"Id\" LIMIT 1",
                cmd => { cmd.AddParameter("@cutoff", cutoff); cmd.AddParameter("@mid", mid); }, ct);
            if (row is not ({ } id, { } before))
            {
                hi = mid - 1;
            }
            else if (before == 1)
            {
                found = id;
                lo = id + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    private static async Task<(long?, long?)?> ReadAsync(DbConnection connection, string sql, Action<DbCommand>? parameters, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        parameters?.Invoke(cmd);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return (await LongOrNullAsync(reader, 0, ct), await LongOrNullAsync(reader, 1, ct));
    }

    private static async Task<long?> LongOrNullAsync(DbDataReader reader, int i, CancellationToken ct) =>
        await reader.IsDBNullAsync(i, ct) ? null : Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
}

using System.Data.Common;
using System.Text;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>Keeps <c>MetricZone</c> (the offsets the rollup triggers use to find a local day) in step with the configured zone.</summary>
public static class MetricZone
{
    private static readonly DateTime From = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime To = new(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The zone's UTC offset changes from 2000 to 2100: the first row holds from the beginning of time.</summary>
    public static List<MetricZoneOffset> Offsets(TimeZoneInfo zone)
    {
        var list = new List<MetricZoneOffset> { new() { FromUtc = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), OffsetMinutes = Minutes(zone, From), ZoneId = zone.Id } };
        var current = list[0].OffsetMinutes;
        for (var day = From; day < To; day = day.AddDays(1))
        {
            var next = Minutes(zone, day.AddDays(1));
            if (next == current)
            {
                continue;
            }

            // The change is within this day: find its minute.
            var (lo, hi) = (day, day.AddDays(1));
            while ((hi - lo) > TimeSpan.FromMinutes(1))
            {
                var mid = lo + ((hi - lo) / 2);
                mid = new DateTime(mid.Ticks - (mid.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
                if (Minutes(zone, mid) == current)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            list.Add(new MetricZoneOffset { FromUtc = hi, OffsetMinutes = next, ZoneId = zone.Id });
            current = next;
        }

        return list;
    }

    private static int Minutes(TimeZoneInfo zone, DateTime utc) => (int)zone.GetUtcOffset(utc).TotalMinutes;

    /// <summary>
    /// Writes the zone's offsets when they differ from what the database has. Returns true when it changed them: days
    /// already rolled up were cut in the old zone, and <c>hubix metrics rebuild</c> recuts them.
    /// </summary>
    public static async Task<bool> SyncAsync(HubixDb db, TimeZoneInfo zone, CancellationToken ct)
    {
        var wanted = Offsets(zone);
        await using var context = db.CreateDbContext();
        var stored = await context.Set<MetricZoneOffset>().AsNoTracking().OrderBy(z => z.FromUtc).ToListAsync(ct);
        if (stored.Count == wanted.Count && stored.Zip(wanted).All(p => p.First.FromUtc == p.Second.FromUtc && p.First.OffsetMinutes == p.Second.OffsetMinutes && p.First.ZoneId == p.Second.ZoneId))
        {
            return false;
        }

        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await context.Database.BeginTransactionAsync(ct);
        await context.Set<MetricZoneOffset>().ExecuteDeleteAsync(ct);
        context.AddRange(wanted);
        await context.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return stored.Count > 0 && await context.Set<MetricRollup>().AnyAsync(ct);
    }
}

/// <summary>
/// <c>hubix metrics rebuild</c>: recomputes the rollups of a range of local days from the raw tables, in one
/// transaction, with the same counters the triggers keep (<see cref="RollupSql.RebuildSql"/>).
/// </summary>
public sealed class MetricsRebuild(HubixDb db)
{
    public sealed record Result(DateOnly From, DateOnly To, int Counters, TimeSpan Took);

    /// <summary>True when nothing was counted yet but there is something to count.</summary>
    public static async Task<bool> NeedsFirstCountAsync(HubixDb db, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        return !await context.Set<MetricRollup>().AnyAsync(ct) && await context.Set<Delivery.OutboxMessage>().AnyAsync(ct);
    }

    /// <summary>The local day of the oldest outbox row or inbound message, or null on an empty database.</summary>
    public static async Task<DateOnly?> FirstDayAsync(HubixDb db, TimeZoneInfo zone, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var outbox = await context.Set<Delivery.OutboxMessage>().OrderBy(o => o.Id).Select(o => (DateTime?)o.CreatedAt).FirstOrDefaultAsync(ct);
        var inbound = await context.Set<Webhooks.Interaction>().OrderBy(i => i.Id).Select(i => (DateTime?)i.At).FirstOrDefaultAsync(ct);
        DateTime? first = outbox is null ? inbound : inbound is null ? outbox : outbox < inbound ? outbox : inbound;
        // A day of margin: the first row by id is not always the earliest by time.
        return first is { } f ? LocalDay.Of(f, zone).AddDays(-1) : null;
    }

    public async Task<Result> RunAsync(DateOnly from, DateOnly to, TimeZoneInfo zone, TimeProvider time, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        await MetricZone.SyncAsync(db, zone, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Count what is noted first: a note left for later would count its row's change again on top of the recount.
        while (await MetricFolder.FoldAsync(db, connection, tx, ct) > 0)
        {
        }

        await ExecuteAsync(connection, tx, "DELETE FROM \"MetricRollups\" WHERE \"Day\" >= @from AND \"Day\" <= @to", from, to, ct);
        await ExecuteAsync(connection, tx, "DELETE FROM \"MetricMembers\" WHERE \"Day\" >= @from AND \"Day\" <= @to", from, to, ct);

        foreach (var sql in RollupSql.RebuildSql(db.IsPostgres))
        {
            await ExecuteAsync(connection, tx, sql, from, to, ct, LocalDay.StartUtc(from, zone), LocalDay.StartUtc(to.AddDays(1), zone));
        }

        int counters;
        await using (var count = connection.CreateCommand())
        {
            count.Transaction = tx;
            count.CommandText = "SELECT COUNT(*) FROM \"MetricRollups\" WHERE \"Day\" >= @from AND \"Day\" <= @to";
            AddDays(count, from, to);
            counters = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        await tx.CommitAsync(ct);
        return new Result(from, to, counters, time.GetElapsedTime(started));
    }

    private async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, DateOnly from, DateOnly to, CancellationToken ct, DateTime? start = null, DateTime? end = null)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        AddDays(cmd, from, to);
        cmd.AddParameter("@start", start ?? DateTime.UnixEpoch);
        cmd.AddParameter("@end", end ?? DateTime.UnixEpoch);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private void AddDays(DbCommand cmd, DateOnly from, DateOnly to)
    {
        // SQLite keeps DateOnly as yyyy-MM-dd text, PostgreSQL as date.
        cmd.AddParameter("@from", db.IsPostgres ? from : from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        cmd.AddParameter("@to", db.IsPostgres ? to : to.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Turns the triggers' notes (<see cref="MetricEvent"/>) into rollup counts every second, a bounded batch of rows per
/// source and transaction. Reads do not fold, so figures lag by up to a second. On PostgreSQL one replica folds at a
/// time (a transaction-scoped advisory lock); the others skip the round.
/// </summary>
internal sealed class MetricFolder(HubixDb db, TimeProvider time, ILogger<MetricFolder> logger) : PollingWorker(time, logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const int Batch = 5_000;
    private const long AdvisoryLock = 0x4855_4249_5852_4F4C; // "HUBIXROL"

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct) =>
        await FoldAsync(db, ct) > 0 ? TimeSpan.Zero : Interval;

    protected override TimeSpan ErrorDelay => TimeSpan.FromSeconds(5);

    // The lag of the figures behind the writes is the process's, not the business clock's: like the inbox and outbox
    // workers' idle waits, this one is real time (a semaphore's timeout), so a fake clock in a test or a demo does not
    // freeze the figures. Nothing notifies it: a wake per commit would fold (and take the write gate) per commit.
    private readonly SemaphoreSlim _never = new(0, 1);

    protected override Task WaitAsync(TimeSpan wait, CancellationToken ct) => _never.WaitAsync(wait, ct);

    /// <summary>Folds until nothing is pending (or another replica holds the fold).</summary>
    public static async Task FoldAllAsync(HubixDb db, CancellationToken ct)
    {
        while (await FoldAsync(db, ct) > 0)
        {
        }
    }

    /// <summary>Folds one batch per source in one transaction; returns how many notes it folded.</summary>
    public static async Task<int> FoldAsync(HubixDb db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var folded = await FoldAsync(db, connection, tx, ct);
        await tx.CommitAsync(ct);
        return folded;
    }

    internal static async Task<int> FoldAsync(HubixDb db, DbConnection connection, DbTransaction tx, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandTimeout = 0;
        cmd.AddParameter("@batch", Batch);
        if (db.IsPostgres)
        {
            cmd.CommandText = $"SELECT pg_try_advisory_xact_lock({AdvisoryLock})";
            if (await cmd.ExecuteScalarAsync(ct) is not true)
            {
                return 0;
            }
        }

        var folded = 0;
        for (var k = 0; k < RollupSql.Sources.Length; k++)
        {
            folded += db.IsPostgres ? await FoldPostgresAsync(cmd, k, ct) : await FoldSqliteAsync(cmd, k, ct);
        }

        return folded;
    }

    /// <summary>One statement: the notes it deletes are exactly the ones it counts, and the rows are read in the same snapshot.</summary>
    private static async Task<int> FoldPostgresAsync(DbCommand cmd, int k, CancellationToken ct)
    {
        var (deltas, members) = RollupSql.FoldSql(true, k, "first");
        var sql = new StringBuilder()
            .Append("WITH ev AS (DELETE FROM \"MetricEvents\" WHERE \"Source\" = ").Append(k).Append(" AND \"RowId\" IN (SELECT DISTINCT \"RowId\" FROM \"MetricEvents\" WHERE \"Source\" = ")
            .Append(k).Append(" ORDER BY \"RowId\" LIMIT @batch) RETURNING \"Id\", \"RowId\", \"IsInsert\", \"Old1\", \"Old2\", \"Old3\"), ")
            .Append("first AS (SELECT DISTINCT ON (\"RowId\") \"RowId\", \"IsInsert\", \"Old1\", \"Old2\", \"Old3\" FROM ev ORDER BY \"RowId\", \"Id\"), ");
        if (members is not null)
        {
            sql.Append("mem AS (INSERT INTO \"MetricMembers\" (\"Day\", \"Scope\", \"Name\", \"Member\") SELECT * FROM (").Append(members)
                .Append(") m ON CONFLICT DO NOTHING RETURNING \"Day\", \"Scope\", \"Name\"), ");
            deltas += " UNION ALL SELECT \"Day\", \"Scope\", \"Name\", 1, CAST(NULL AS timestamp with time zone) FROM mem";
        }

        sql.Append("counted AS (").Append(RollupSql.FoldInto(true, "(" + deltas + ")")).Append(" RETURNING 1) SELECT (SELECT COUNT(*) FROM ev) + 0 * (SELECT COUNT(*) FROM counted)");
        cmd.CommandText = sql.ToString();
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One writer at a time: the batch is the rows up to a row id, counted, then their notes deleted.</summary>
    private static async Task<int> FoldSqliteAsync(DbCommand cmd, int k, CancellationToken ct)
    {
        cmd.CommandText = $"SELECT MAX(\"RowId\") FROM (SELECT DISTINCT \"RowId\" FROM \"MetricEvents\" WHERE \"Source\" = {k} ORDER BY \"RowId\" LIMIT @batch)";
        if (await cmd.ExecuteScalarAsync(ct) is not long max)
        {
            return 0;
        }

        cmd.Parameters.Clear();
        cmd.AddParameter("@batch", Batch);
        cmd.AddParameter("@max", max);
        var firsts = $"(SELECT e1.\"RowId\", e1.\"IsInsert\", e1.\"Old1\", e1.\"Old2\", e1.\"Old3\" FROM \"MetricEvents\" e1 WHERE e1.\"Source\" = {k} AND e1.\"RowId\" <= @max " +
            $"AND e1.\"Id\" = (SELECT MIN(e2.\"Id\") FROM \"MetricEvents\" e2 WHERE e2.\"Source\" = {k} AND e2.\"RowId\" = e1.\"RowId\"))";
        var (deltas, members) = RollupSql.FoldSql(false, k, firsts);
        if (members is not null)
        {
            // Count the members not seen yet, then remember them.
            cmd.CommandText = RollupSql.FoldInto(false, "(SELECT m.\"Day\", m.\"Scope\", m.\"Name\", 1 AS \"Delta\", NULL AS \"LastAt\" FROM (" + members + ") m WHERE NOT EXISTS (" +
                "SELECT 1 FROM \"MetricMembers\" x WHERE x.\"Day\" = m.\"Day\" AND x.\"Scope\" = m.\"Scope\" AND x.\"Name\" = m.\"Name\" AND x.\"Member\" = m.\"Member\"))");
            await cmd.ExecuteNonQueryAsync(ct);
            cmd.CommandText = "INSERT INTO \"MetricMembers\" (\"Day\", \"Scope\", \"Name\", \"Member\") SELECT * FROM (" + members + ") WHERE 1 = 1 ON CONFLICT DO NOTHING";
            await cmd.ExecuteNonQueryAsync(ct);
        }

        cmd.CommandText = RollupSql.FoldInto(false, "(" + deltas + ")");
        await cmd.ExecuteNonQueryAsync(ct);
        cmd.CommandText = $"DELETE FROM \"MetricEvents\" WHERE \"Source\" = {k} AND \"RowId\" <= @max";
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Reads the counters of a range of days.</summary>
public static class MetricCounters
{
    public static async Task<List<MetricRollup>> ReadAsync(HubixDbContext context, DateOnly from, DateOnly to, CancellationToken ct) =>
        await context.Set<MetricRollup>().AsNoTracking().Where(r => r.Day >= from && r.Day <= to).ToListAsync(ct);
}

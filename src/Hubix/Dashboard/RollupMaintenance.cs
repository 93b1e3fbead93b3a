using System.Data.Common;
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
        await ExecuteAsync(connection, tx, "DELETE FROM \"MetricRollups\" WHERE \"Day\" >= @from AND \"Day\" <= @to", from, to, ct);
        await ExecuteAsync(connection, tx, "DELETE FROM \"MetricMembers\" WHERE \"Day\" >= @from AND \"Day\" <= @to", from, to, ct);
        await ExecuteAsync(connection, tx, "DELETE FROM \"MetricDeltas\" WHERE \"Day\" >= @from AND \"Day\" <= @to", from, to, ct);
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
/// Folds the triggers' deltas into the rollups every second, oldest first, a bounded batch per transaction. On
/// PostgreSQL several replicas may fold at once: each takes rows the others have not locked.
/// </summary>
internal sealed class MetricFolder(HubixDb db, TimeProvider time, ILogger<MetricFolder> logger) : PollingWorker(time, logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const int Batch = 20_000;

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct) =>
        await FoldAsync(db, ct) >= Batch ? TimeSpan.Zero : Interval;

    protected override TimeSpan ErrorDelay => TimeSpan.FromSeconds(5);

    /// <summary>Folds one batch; returns how many deltas it folded.</summary>
    public static async Task<int> FoldAsync(HubixDb db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.AddParameter("@batch", Batch);
        int folded;
        if (db.IsPostgres)
        {
            // One statement: exactly the rows it deleted are the rows it adds, whatever commits meanwhile.
            cmd.CommandText = "WITH moved AS (DELETE FROM \"MetricDeltas\" WHERE \"Id\" IN (SELECT \"Id\" FROM \"MetricDeltas\" ORDER BY \"Id\" LIMIT @batch FOR UPDATE SKIP LOCKED) " +
                "RETURNING \"Day\", \"Scope\", \"Name\", \"Delta\", \"LastAt\"), folded AS (" + RollupSql.FoldInto(true, "moved") + " RETURNING 1) " +
                "SELECT (SELECT COUNT(*) FROM moved)";
            folded = Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            // One writer at a time: what is there now is what the delete removes.
            cmd.CommandText = "SELECT MAX(\"Id\") FROM (SELECT \"Id\" FROM \"MetricDeltas\" ORDER BY \"Id\" LIMIT @batch)";
            if (await cmd.ExecuteScalarAsync(ct) is not long max)
            {
                return 0;
            }

            cmd.AddParameter("@max", max);
            cmd.CommandText = RollupSql.FoldInto(false, "(SELECT * FROM \"MetricDeltas\" WHERE \"Id\" <= @max)");
            await cmd.ExecuteNonQueryAsync(ct);
            cmd.CommandText = "DELETE FROM \"MetricDeltas\" WHERE \"Id\" <= @max";
            folded = await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return folded;
    }
}

/// <summary>Reads the counters of a range of days: the rollups plus the deltas not folded in yet.</summary>
public static class MetricCounters
{
    public static async Task<List<MetricRollup>> ReadAsync(HubixDbContext context, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var rows = await context.Set<MetricRollup>().AsNoTracking().Where(r => r.Day >= from && r.Day <= to).ToListAsync(ct);
        var pending = await context.Set<MetricDelta>().AsNoTracking().Where(r => r.Day >= from && r.Day <= to)
            .GroupBy(r => new { r.Day, r.Scope, r.Name }).Select(g => new { g.Key.Day, g.Key.Scope, g.Key.Name, Delta = g.Sum(r => r.Delta), LastAt = g.Max(r => r.LastAt) })
            .ToListAsync(ct);
        if (pending.Count == 0)
        {
            return rows;
        }

        var byKey = rows.ToDictionary(r => (r.Day, r.Scope, r.Name));
        foreach (var p in pending)
        {
            if (!byKey.TryGetValue((p.Day, p.Scope, p.Name), out var row))
            {
                row = new MetricRollup { Day = p.Day, Scope = p.Scope, Name = p.Name };
                byKey[(p.Day, p.Scope, p.Name)] = row;
                rows.Add(row);
            }

            row.Value += p.Delta;
            row.LastAt = row.LastAt is null || (p.LastAt is { } l && l > row.LastAt) ? p.LastAt ?? row.LastAt : row.LastAt;
        }

        return rows;
    }
}

using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Tests.Dashboard;

/// <summary>The rollups' own machinery: the zone table, the read's plan, folding. What they count is checked by the
/// seeded-day metrics test and, against a rebuild, by the chaos run.</summary>
public class RollupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Zone_offsets_follow_daylight_saving_to_the_minute()
    {
        var india = MetricZone.Offsets(TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"));
        Assert.Equal(330, Assert.Single(india).OffsetMinutes);

        var newYork = MetricZone.Offsets(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        // 2026-03-08 02:00 EST → EDT is 07:00 UTC; 2026-11-01 02:00 EDT → EST is 06:00 UTC.
        var spring = newYork.Single(o => o.FromUtc.Year == 2026 && o.FromUtc.Month == 3);
        var autumn = newYork.Single(o => o.FromUtc.Year == 2026 && o.FromUtc.Month == 11);
        Assert.Equal((new DateTime(2026, 3, 8, 7, 0, 0, DateTimeKind.Utc), -240), (spring.FromUtc, spring.OffsetMinutes));
        Assert.Equal((new DateTime(2026, 11, 1, 6, 0, 0, DateTimeKind.Utc), -300), (autumn.FromUtc, autumn.OffsetMinutes));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_noted_row_is_counted_on_its_local_day_by_the_fold(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        await db.MigrateAsync(NullLogger.Instance, Ct);
        await MetricZone.SyncAsync(db, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), Ct);
        await using (var ctx = db.CreateDbContext())
        {
            var advisor = new Hubix.Advisors.Advisor { Phone = "919800000001", Name = "A", CreatedAt = DateTime.UnixEpoch, UpdatedAt = DateTime.UnixEpoch };
            ctx.Add(advisor);
            await ctx.SaveChangesAsync(Ct);
            // 18:29:59Z is 23:59:59 IST on the 9th; 18:30Z is midnight, the 10th.
            ctx.Add(Consent(advisor.Id, new DateTime(2026, 3, 9, 18, 29, 59, DateTimeKind.Utc)));
            ctx.Add(Consent(advisor.Id, new DateTime(2026, 3, 9, 18, 30, 0, DateTimeKind.Utc)));
            ctx.Add(Consent(advisor.Id, new DateTime(2026, 3, 10, 3, 0, 0, DateTimeKind.Utc)));
            await ctx.SaveChangesAsync(Ct);
        }

        async Task<(long Ninth, long Tenth, int Pending)> ReadAsync()
        {
            await using var ctx = db.CreateDbContext();
            var rows = await MetricCounters.ReadAsync(ctx, new DateOnly(2026, 3, 9), new DateOnly(2026, 3, 10), Ct);
            long Of(int day) => rows.Where(r => r.Day.Day == day && r.Scope == "consent" && r.Name == "opt_outs").Sum(r => r.Value);
            return (Of(9), Of(10), await ctx.Set<MetricEvent>().CountAsync(Ct));
        }

        // Noted by the trigger, not counted yet; then counted by the fold.
        Assert.Equal((0L, 0L, 3), await ReadAsync());
        Assert.Equal(3, await MetricFolder.FoldAsync(db, Ct, waitForLock: true));
        Assert.Equal((1L, 2L, 0), await ReadAsync());
        Assert.Equal(0, await MetricFolder.FoldAsync(db, Ct, waitForLock: true));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_metrics_read_seeks_the_primary_key_by_day(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        await db.MigrateAsync(NullLogger.Instance, Ct);
        await using var ctx = db.CreateDbContext();
        // A year of counters, 300 a day, so the planner has a reason to choose.
        var start = new DateOnly(2026, 1, 1);
        for (var d = 0; d < 365; d++)
        {
            for (var k = 0; k < 300; k++)
            {
                ctx.Add(new MetricRollup { Day = start.AddDays(d), Scope = "template:t" + (k % 10), Name = "n" + k, Value = k });
            }
        }

        await ctx.SaveChangesAsync(Ct);
        ctx.ChangeTracker.Clear();
        await ctx.Database.ExecuteSqlRawAsync("ANALYZE", Ct);

        // The read MetricCounters makes, by day range.
        var from = provider == "Postgres" ? "DATE '2026-06-01'" : "'2026-06-01'";
        var to = provider == "Postgres" ? "DATE '2026-06-14'" : "'2026-06-14'";
        var sql = $"SELECT \"Day\", \"Scope\", \"Name\", \"Value\", \"LastAt\" FROM \"MetricRollups\" WHERE \"Day\" >= {from} AND \"Day\" <= {to}";
        var plan = await PlanAsync(ctx, (provider == "Postgres" ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql, provider == "Postgres" ? 0 : 3);

        if (provider == "Postgres")
        {
            Assert.Contains("\"PK_MetricRollups\"", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("SEARCH MetricRollups USING", plan, StringComparison.Ordinal);
            Assert.Contains("(Day>? AND Day<?)", plan, StringComparison.Ordinal);
        }
    }

    /// <summary>The plan's text: PostgreSQL's one column, SQLite's <c>detail</c> (the fourth).</summary>
    private static async Task<string> PlanAsync(Hubix.Data.HubixDbContext ctx, string explain, int column)
    {
        var connection = ctx.Database.GetDbConnection();
        await ctx.Database.OpenConnectionAsync(Ct);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = explain;
        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(column));
        }

        return string.Join("\n", lines);
    }

    private static Hubix.Advisors.ConsentEvent Consent(long advisorId, DateTime at) =>
        new() { AdvisorId = advisorId, Phone = "919800000001", At = at, Status = Hubix.Advisors.AdvisorStatus.OptedOut, Source = "test" };
}

using Hubix.Bench;
using Hubix.Data;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Bench.Tests;

public sealed class HistoryGeneratorTests
{
    private static readonly DateOnly First = new(2026, 11, 1);

    [Fact]
    public void Plans_are_a_function_of_seed_day_and_advisor()
    {
        var a = new HistoryGenerator(1000, 3, First, seed: 7);
        var b = new HistoryGenerator(1000, 3, First, seed: 7);
        var c = new HistoryGenerator(1000, 3, First, seed: 8);
        var same = Enumerable.Range(0, 1000).All(i => a.Plan(2, i) == b.Plan(2, i));
        var differs = Enumerable.Range(0, 1000).Count(i => a.Plan(2, i) != c.Plan(2, i));
        Assert.True(same);
        Assert.True(differs > 900);
    }

    [Fact]
    public void A_day_has_the_issue_s_proportions()
    {
        var g = new HistoryGenerator(50_000, 1, First, seed: 1);
        var plans = Enumerable.Range(0, 50_000).Select(i => g.Plan(0, i)).ToList();
        double Share(Func<HistoryGenerator.AdvisorDay, bool> f) => plans.Count(f) / (double)plans.Count;
        Assert.InRange(Share(p => p.Tap), 0.27, 0.33);
        Assert.InRange(Share(p => p.FailCode != 0), 0.01, 0.02);
        Assert.InRange(Share(p => p.Chat), 0.015, 0.025);
        Assert.All(plans.Where(p => p.Tap), p => Assert.True(p.Read && p.TapSec > p.ReadSec));
    }

    [Fact]
    public async Task Loads_into_the_migrated_schema_deterministically_and_hubix_reads_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("hubix-history-test");
        try
        {
            var fingerprints = new List<string>();
            foreach (var name in new[] { "a.db", "b.db" })
            {
                var cs = $"Data Source={Path.Combine(dir.FullName, name)}";
                await using (var db = new HubixDb(DatabaseProvider.Sqlite, cs))
                {
                    await db.MigrateAsync(NullLogger.Instance, ct);
                }

                // hubix's pooled connection would hold the file open, and leaving WAL for the load needs it alone
                // (hubix migrate runs in its own process in the bench, so this arises only here).
                SqliteConnection.ClearAllPools();

                var indexes = await ScalarAsync(cs, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'");
                var counts = new Dictionary<string, long>();
                await using (var target = BulkTarget.Create(false, cs))
                {
                    await target.OpenAsync(ct);
                    counts = await new HistoryGenerator(300, 2, First, seed: 3).WriteAsync(target, _ => { }, ct);
                }

                // Same indexes as the migrations made; rows as counted.
                Assert.Equal(indexes, await ScalarAsync(cs, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"));
                Assert.Equal(counts["Interactions"], await ScalarAsync(cs, "SELECT COUNT(*) FROM \"Interactions\""));
                Assert.Equal(600, counts["DailySends"]);
                fingerprints.Add(string.Join(",", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")) + "|" +
                    await StringAsync(cs, "SELECT group_concat(\"DedupeKey\" || \"At\", ';') FROM (SELECT \"DedupeKey\", \"At\" FROM \"Interactions\" ORDER BY \"Id\")"));

                // hubix's own model reads what was written: taps carry the template's wamid, unlocks 6 items under their group.
                await using var hubix = new HubixDb(DatabaseProvider.Sqlite, cs);
                await using var context = hubix.CreateDbContext();
                var unlock = await context.Set<UnlockRecord>().OrderBy(u => u.Id).FirstAsync(ct);
                var tap = await context.Set<Interaction>().SingleAsync(i => i.WaMessageId == unlock.TapMessageId && i.Direction == "in", ct);
                Assert.Equal("button", tap.Type);
                Assert.Equal(1, await context.Set<Interaction>().CountAsync(i => i.WaMessageId == tap.Context && i.Direction == "out" && i.Payload == "daily", ct));
                Assert.Equal(Stack.PackItems, await context.Set<Hubix.Delivery.OutboxMessage>().CountAsync(o => o.GroupKey == unlock.GroupKey && o.Purpose == "unlock", ct));
                Assert.Equal(First, unlock.PackDate);
            }

            Assert.Equal(fingerprints[0], fingerprints[1]);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    private static async Task<long> ScalarAsync(string cs, string sql) => Convert.ToInt64(await QueryAsync(cs, sql), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> StringAsync(string cs, string sql) => (string)(await QueryAsync(cs, sql))!;

    private static async Task<object?> QueryAsync(string cs, string sql)
    {
        await using var c = new SqliteConnection(cs + ";Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }
}

using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static Hubix.Tests.Data.QueryPlanTests;

namespace Hubix.Tests.Data;

/// <summary>
/// The web app's advisors table and inbox list at 100,000 advisors: every statement the requests run reads through an
/// index (the query plan, as <see cref="QueryPlanTests"/> checks it), so a page costs the same at any size. No wall-clock
/// assertion: the plan is what decides it, and it is what can be checked on a shared machine.
/// </summary>
public class AdvisorSearchPlanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private const int Advisors = 100_000;

    /// <summary>Seeded as waiting for a reply: one in 21 (those with a chat, i % 3 = 0, and i % 7 = 0).</summary>
    private const int NeedingReply = (Advisors + 20) / 21;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Advisors_search_and_paging_and_the_inbox_read_through_indexes_at_100000_advisors(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
        // No workers: only the requests' own statements are captured.
        await using var host = await HubixTestHost.StartAsync(database, time: time, configure: b =>
        {
            foreach (var d in b.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService").ToList())
            {
                b.Services.Remove(d);
            }
        });
        await SeedAsync(database);

        async Task<(List<AdvisorEndpoints.AdvisorDto> Rows, string? Next)> PageAsync(string url)
        {
            var response = await host.Admin.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, url + " answered " + (int)response.StatusCode);
            var next = response.Headers.TryGetValues(Hubix.Kernel.Paging.NextCursorHeader, out var v) ? v.Single() : null;
            return ((await response.Content.ReadFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>(Web, Ct))!, next);
        }

        // What the searches find: a phone prefix, a name prefix in any letter case, keyset pages without overlap.
        var (byPhone, _) = await PageAsync("/api/advisors?limit=50&q=%2B91900001234");
        Assert.Equal(10, byPhone.Count);
        Assert.All(byPhone, a => Assert.StartsWith("91900001234", a.Phone, StringComparison.Ordinal));
        var (first, next) = await PageAsync("/api/advisors?limit=50&q=kname%201");
        Assert.Equal(50, first.Count);
        Assert.All(first, a => Assert.StartsWith("Kname 1", a.Name, StringComparison.Ordinal));
        Assert.Equal(first.Select(a => a.Name.ToLowerInvariant()).Order(StringComparer.Ordinal), first.Select(a => a.Name.ToLowerInvariant()));
        var (second, _) = await PageAsync("/api/advisors?limit=50&q=KNAME%201&cursor=" + Uri.EscapeDataString(next!));
        Assert.Equal(50, second.Count);
        Assert.Empty(first.Select(a => a.Phone).Intersect(second.Select(a => a.Phone)));
        Assert.True(string.CompareOrdinal(first[^1].Name.ToLowerInvariant(), second[0].Name.ToLowerInvariant()) <= 0);
        var (_, plainNext) = await PageAsync("/api/advisors?limit=50");
        var inbox = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=30&messages=1&kind=chat", Web, Ct))!;
        Assert.Equal(30, inbox.Items.Count);
        var needs = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=30&messages=1&state=needs_reply", Web, Ct))!;
        Assert.Equal(30, needs.Items.Count);
        Assert.All(needs.Items, c => Assert.True(c.NeedsReply));
        var handedOff = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=30&messages=1&state=handed_off", Web, Ct))!;
        Assert.Equal(30, handedOff.Items.Count);
        Assert.All(handedOff.Items, c => Assert.True(c.HandoffOpen));
        var counts = (await host.Admin.GetFromJsonAsync<ConversationCounts>("/api/webhook/conversations/counts", Web, Ct))!;
        Assert.Equal(new ConversationCounts(NeedingReply, Advisors / 500), counts);

        string E(string c) => Uri.EscapeDataString(c);
        string[] reads =
        [
            "/api/advisors?limit=50",
            $"/api/advisors?limit=50&cursor={E(plainNext!)}",
            "/api/advisors?limit=50&q=91900001234",
            "/api/advisors?limit=50&q=kname%201",
            $"/api/advisors?limit=50&q=kname%201&cursor={E(next!)}",
            "/api/advisors?limit=50&q=b&status=active",
            "/api/webhook/conversations?limit=30&messages=1&kind=chat",
            $"/api/webhook/conversations?limit=30&messages=1&kind=chat&cursor={E(inbox.NextCursor!)}",
            "/api/webhook/conversations?limit=30&messages=1&handoff=true",
            "/api/webhook/conversations?limit=30&messages=1&state=needs_reply",
            $"/api/webhook/conversations?limit=30&messages=1&state=needs_reply&cursor={E(needs.NextCursor!)}",
            "/api/webhook/conversations?limit=30&messages=1&state=handed_off",
            $"/api/webhook/conversations?limit=30&messages=1&state=handed_off&cursor={E(handedOff.NextCursor!)}",
            "/api/webhook/conversations/counts",
        ];
        // The inbox tabs must read their own index, not merely some index: walking the list of every conversation and
        // filtering would pass the scan check yet read every answered conversation newer than the page.
        (string Url, string Index)[] tabs =
        [
            ("state=needs_reply", "IX_Advisors_NeedsReplyAt_Phone"),
            ("state=handed_off", "IX_Advisors_Handoff_LastInboundAt_Phone"),
            ("/counts", "IX_Advisors_NeedsReplyAt_Phone"),
            ("/counts", "IX_Advisors_Handoff_LastInboundAt_Phone"),
        ];
        var failures = new List<string>();
        foreach (var url in reads)
        {
            var plans = new List<string>();
            using var capture = new SqlCapture(database);
            var response = await host.Admin.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, url + " answered " + (int)response.StatusCode);
            var statements = capture.Statements.ToList();
            // The advisors' rows are what grows to 100,000 here; each conversation's messages (Interactions, OutboxMessages)
            // are read by phone and checked against a seeded history in QueryPlanTests. Those tables are empty here, and
            // PostgreSQL rightly scans an empty table.
            var advisorReads = statements.Where(s => s.Sql.Contains("FROM \"Advisors\"", StringComparison.Ordinal)).ToList();
            Assert.True(advisorReads.Count > 0, url + " read no advisors");
            foreach (var s in advisorReads)
            {
                var plan = await ExplainAsync(database, s);
                plans.AddRange(plan);
                if (ScanOf(database.Provider, plan) is { } problem)
                {
                    failures.Add($"{url}\n  {s.Sql.ReplaceLineEndings(" ")}\n  {problem}\n  {string.Join("\n  ", plan)}");
                }
            }

            foreach (var (part, index) in tabs.Where(t => url.Contains(t.Url, StringComparison.Ordinal)))
            {
                if (!plans.Any(l => l.Contains(index, StringComparison.Ordinal)))
                {
                    failures.Add($"{url}\n  does not use {index}:\n  {string.Join("\n  ", plans)}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>
    /// 100,000 advisors in one INSERT ... SELECT each (a bulk insert, seconds rather than minutes): phones 9190000000..,
    /// names "Aname 0".."Zname 99999" spread over the alphabet, a third of them with a chat, one in 21 waiting for a reply,
    /// one in 500 handed off.
    /// </summary>
    private static async Task SeedAsync(TestDatabase database)
    {
        var sqlite = database.Provider == DatabaseProvider.Sqlite;
        var sql = sqlite
            ? $"""
               WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {Advisors - 1})
               INSERT INTO "Advisors" ("Phone", "Name", "TimeZone", "Language", "Categories", "Status", "CreatedAt", "UpdatedAt", "HandoffOpen", "LastInboundAt", "LastChatAt", "NeedsReplyAt")
               SELECT '9190' || printf('%08d', i), char(65 + i % 26) || 'name ' || i, 'Asia/Kolkata', 'en', 'market', i % 50 = 0, '2026-03-01 00:00:00', '2026-03-01 00:00:00',
                      i % 500 = 0, datetime('2026-03-10 11:00:00', '-' || i || ' seconds'), CASE WHEN i % 3 = 0 THEN datetime('2026-03-10 11:00:00', '-' || i || ' seconds') END,
                      CASE WHEN i % 21 = 0 THEN datetime('2026-03-10 11:00:00', '-' || i || ' seconds') END
               FROM n
               """
            : $"""
               INSERT INTO "Advisors" ("Phone", "Name", "TimeZone", "Language", "Categories", "Status", "CreatedAt", "UpdatedAt", "HandoffOpen", "LastInboundAt", "LastChatAt", "NeedsReplyAt")
               SELECT '9190' || lpad(i::text, 8, '0'), chr(65 + i % 26) || 'name ' || i, 'Asia/Kolkata', 'en', 'market', CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
                      timestamptz '2026-03-01 00:00:00Z', timestamptz '2026-03-01 00:00:00Z', i % 500 = 0,
                      timestamptz '2026-03-10 11:00:00Z' - make_interval(secs => i), CASE WHEN i % 3 = 0 THEN timestamptz '2026-03-10 11:00:00Z' - make_interval(secs => i) END,
                      CASE WHEN i % 21 = 0 THEN timestamptz '2026-03-10 11:00:00Z' - make_interval(secs => i) END
               FROM generate_series(0, {Advisors - 1}) AS i
               """;
        await using DbConnection conn = sqlite ? new SqliteConnection(database.ConnectionString) : new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync(Ct);
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = sql;
            cmd.CommandTimeout = 300;
            Assert.Equal(Advisors, await cmd.ExecuteNonQueryAsync(Ct));
        }

        await using (var analyze = conn.CreateCommand())
        {
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync(Ct);
        }
    }
}

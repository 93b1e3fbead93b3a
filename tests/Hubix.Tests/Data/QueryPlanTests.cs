using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.Content;
using Hubix.DailyPack;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Hubix.Tests.Data;

/// <summary>
/// Every read behind the dashboard and the list endpoints, as the server runs it: each SQL statement a request issues is
/// captured (EF Core's diagnostic events) and explained on the same database — EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
/// PostgreSQL after ANALYZE of a seeded history large enough that a sequential scan is not the cheap choice — and must read
/// through an index, never scan a table. docs/QUERY-PLANS.md lists the queries and their indexes.
/// </summary>
public class QueryPlanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private const int Advisors = 2000, Days = 7;
    private static string Phone(int i) => "9198" + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Every_dashboard_and_list_read_uses_an_index_not_a_table_scan(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(new DateTimeOffset(T0.AddDays(Days - 1).AddHours(12)));
        // No workers: only the requests' own statements are captured.
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Dashboard:ReportBatchSize=20"], time, b =>
        {
            foreach (var d in b.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService").ToList())
            {
                b.Services.Remove(d);
            }
        });
        await SeedAsync(host.Db);
        await AnalyzeAsync(database);

        var a = Phone(7);
        var first = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=5&messages=3", Web, Ct))!;
        var olderMessages = first.Items[0].OlderMessagesCursor!;
        var timeline = (await host.Admin.GetFromJsonAsync<AdvisorTimeline>($"/api/advisors/{a}/timeline?limit=5", Web, Ct))!;
        var log = (await host.Admin.GetFromJsonAsync<WebhookEndpoints.InteractionList>("/api/interactions?limit=5", Web, Ct))!;
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(timeline.OlderCursor);
        Assert.NotNull(log.NextCursor);
        string Next(string url) => host.Admin.GetAsync(url, Ct).Result.Headers.GetValues(Hubix.Kernel.Paging.NextCursorHeader).Single();
        var advisorsNext = Next("/api/advisors?limit=10");
        var unknownNext = Next("/api/unknown-senders?limit=10");
        var unlocksNext = Next("/api/unlocks?limit=10");
        var runsNext = Next("/api/daily/runs?limit=10");
        var sendsNext = Next("/api/daily/sends?limit=10");
        var deadNext = Next("/api/dead-letters?limit=10");
        var packsNext = Next("/api/packs?limit=10");
        var day = DateOnly.FromDateTime(T0.AddDays(5)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var at = Uri.EscapeDataString(T0.AddDays(12).ToString("o"));
        string E(string c) => Uri.EscapeDataString(c);

        string[] reads =
        [
            "/api/webhook/conversations?limit=5&messages=5",
            $"/api/webhook/conversations?limit=5&messages=5&cursor={E(first.NextCursor!)}",
            "/api/webhook/conversations?limit=5&messages=5&kind=chat",
            $"/api/webhook/conversations?phone={a}&messages=5",
            $"/api/webhook/conversations/{first.Items[0].Phone}/messages?before={E(olderMessages)}&limit=3",
            $"/api/advisors/{a}/timeline?limit=20",
            $"/api/advisors/{a}/timeline?limit=5&before={E(timeline.OlderCursor!)}",
            "/api/interactions?limit=50",
            $"/api/interactions?limit=50&cursor={E(log.NextCursor!)}",
            $"/api/interactions?phone={a}&limit=50",
            "/api/interactions?type=text&limit=50",
            $"/api/interactions?since={at}&limit=50",
            "/api/advisors?limit=100",
            $"/api/advisors?limit=100&cursor={E(advisorsNext)}",
            $"/api/unknown-senders?cursor={E(unknownNext)}",
            $"/api/unlocks?cursor={E(unlocksNext)}",
            $"/api/unlocks?date={day}",
            $"/api/unlocks?phone={a}",
            $"/api/daily/runs?cursor={E(runsNext)}",
            $"/api/daily/sends?date={day}",
            $"/api/daily/sends?cursor={E(sendsNext)}",
            $"/api/dead-letters?cursor={E(deadNext)}",
            $"/api/packs?limit=10&cursor={E(packsNext)}",
            $"/api/packs?date={day}",
            $"/api/reports/daily?date={day}&format=csv",
        ];

        var failures = new List<string>();
        var explained = 0;
        foreach (var url in reads)
        {
            using var capture = new SqlCapture(database);
            var response = await host.Admin.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, url + " answered " + (int)response.StatusCode + ": " + await response.Content.ReadAsStringAsync(Ct));
            var statements = capture.Statements.ToList();
            Assert.True(statements.Count > 0, url + " ran no captured statement");
            foreach (var s in statements)
            {
                var plan = await ExplainAsync(database, s);
                explained++;
                if (ScanOf(database.Provider, plan) is { } problem)
                {
                    failures.Add($"{url}\n  {s.Sql.ReplaceLineEndings(" ")}\n  {problem}\n  {string.Join("\n  ", plan)}");
                }
            }
        }

        Assert.True(explained >= reads.Length * 2, "explained " + explained);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Null when the plan reads every table through an index; else what it scans.</summary>
    internal static string? ScanOf(DatabaseProvider provider, IReadOnlyList<string> plan)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            // "SCAN x" alone reads the whole table; "SCAN x USING [COVERING] INDEX" walks an index in order and stops at
            // the LIMIT; json_each is the parameter list of an IN.
            var scan = plan.FirstOrDefault(l => l.StartsWith("SCAN ", StringComparison.Ordinal) && !l.Contains("USING", StringComparison.Ordinal)
                && !l.Contains("json_each", StringComparison.Ordinal) && !l.Contains("CONSTANT ROW", StringComparison.Ordinal));
            if (scan is not null)
            {
                return "table scan: " + scan;
            }

            return plan.Any(l => l.Contains("USING INDEX", StringComparison.Ordinal) || l.Contains("USING COVERING INDEX", StringComparison.Ordinal)
                || l.Contains("PRIMARY KEY", StringComparison.Ordinal)) ? null : "no index";
        }

        var seq = plan.FirstOrDefault(l => l.Contains("Seq Scan", StringComparison.Ordinal));
        if (seq is not null)
        {
            return "sequential scan: " + seq.Trim();
        }

        return plan.Any(l => l.Contains("Index Scan", StringComparison.Ordinal) || l.Contains("Index Only Scan", StringComparison.Ordinal)
            || l.Contains("Bitmap Index Scan", StringComparison.Ordinal)) ? null : "no index";
    }

    internal static async Task<List<string>> ExplainAsync(TestDatabase database, Statement s)
    {
        await using DbConnection conn = database.Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(database.ConnectionString)
            : new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync(Ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = (database.Provider == DatabaseProvider.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + s.Sql;
        foreach (var p in s.Parameters)
        {
            cmd.Parameters.Add(p);
        }

        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(database.Provider == DatabaseProvider.Sqlite ? 3 : 0));
        }

        return lines;
    }

    private static async Task AnalyzeAsync(TestDatabase database)
    {
        await using DbConnection conn = database.Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(database.ConnectionString)
            : new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync(Ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "ANALYZE";
        await cmd.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>
    /// A week of a small deployment with the shape of a big one: every advisor a few log rows and outbox rows a day, so one
    /// advisor, one day or one page is a small part of each table. The requests ask for small pages: a lookup of a few
    /// hundred keys in tables of a few thousand rows is cheaper as a scan, which at 100,000 advisors it never is.
    /// </summary>
    private static async Task SeedAsync(HubixDb db)
    {
        var ids = new long[Advisors];
        await using (var ctx = db.CreateDbContext())
        {
            ctx.ChangeTracker.AutoDetectChangesEnabled = false;
            var advisors = Enumerable.Range(0, Advisors).Select(i => new Advisor
            {
                Phone = Phone(i), Name = "Advisor " + i, CreatedAt = T0, UpdatedAt = T0, HandoffOpen = i % 500 == 0,
                Status = i % 50 == 0 ? AdvisorStatus.OptedOut : AdvisorStatus.Active,
                LastInboundAt = T0.AddDays(Days - 1).AddSeconds(-i * 97), LastChatAt = i % 3 == 0 ? T0.AddDays(Days - 2).AddSeconds(-i * 89) : null,
            }).ToList();
            ctx.AddRange(advisors);
            await ctx.SaveChangesAsync(Ct);
            for (var i = 0; i < Advisors; i++)
            {
                ids[i] = advisors[i].Id;
            }
        }

        var packIds = new List<long>();
        await InsertAsync(db, Enumerable.Range(0, 3000).Select(k => new ContentPack
        {
            Date = DateOnly.FromDateTime(T0).AddDays(k / 20 - 100), Category = "c" + (k % 20).ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
            CreatedAt = T0, UpdatedAt = T0, Items = [.. Enumerable.Range(0, 5).Select(p => new ContentItem { Kind = ItemKinds.Post, Text = "item", Position = p })],
        }), added => packIds.AddRange(added.Select(p => p.Id)));

        var n = 0;
        for (var d = 0; d < Days; d++)
        {
            var dayStart = T0.AddDays(d);
            await InsertAsync(db, Enumerable.Range(0, Advisors).SelectMany(i =>
            {
                var at = dayStart.AddSeconds(i * 13 % 80_000);
                var phone = Phone(i);
                return new object[]
                {
                    Log(phone, "in", i % 4 == 0 ? "text" : "button", at.AddMinutes(5), "k" + ++n),
                    Log(phone, "status", "delivered", at.AddMinutes(1), "k" + ++n, "w" + d + "-" + i),
                    Out(phone, "daily", at, "w" + d + "-" + i, "o" + ++n),
                    Out(phone, "unlock", at.AddMinutes(6), "u" + d + "-" + i, "o" + ++n),
                };
            }));
            await InsertAsync(db, Enumerable.Range(0, Advisors / 10).SelectMany(j =>
            {
                var i = j * 10 + d % 10;
                var at = dayStart.AddSeconds(i * 13 % 80_000).AddMinutes(5);
                return new object[]
                {
                    new ConsentEvent { AdvisorId = ids[i], Phone = Phone(i), At = at, Status = AdvisorStatus.Active, Source = "admin" },
                    new UnknownSender { Phone = "44" + d + "-" + i, FirstSeenAt = at, LastSeenAt = at, MessageCount = 1 },
                    new DeadLetter { At = at, Source = "inbox", Reason = "seed", Body = [1] },
                    new DailyRun { StartedAt = at, FinishedAt = at, Trigger = "scheduler" },
                };
            }));
            // The agent's turns and the unlocks: one of each per advisor and day, as many as the taps and chats they follow.
            await InsertAsync(db, Enumerable.Range(0, Advisors).SelectMany(i =>
            {
                var at = dayStart.AddSeconds(i * 13 % 80_000).AddMinutes(5);
                var local = DateOnly.FromDateTime(dayStart);
                var turn = (d * Advisors) + i;
                return new object[]
                {
                    new ConversationTurn
                    {
                        AdvisorId = ids[i], Phone = Phone(i), Role = i % 2 == 0 ? AgentTurn.UserRole : AgentTurn.AgentRole, InboundWamid = "wamid.t" + turn,
                        Kind = "text", At = at, CreatedAt = at, NextAttemptAt = at, State = ConversationTurnState.Answered, OutboxId = i % 2 == 0 ? null : 1_000_000 + turn,
                    },
                    new UnlockRecord
                    {
                        AdvisorId = ids[i], Phone = Phone(i), PackId = packIds[0], PackDate = local, Scope = "all", Sequence = 1, LocalDate = local,
                        GroupKey = "g" + turn, TapMessageId = "t" + turn, TapKind = "button", ResolvedBy = "payload", TappedAt = at, CreatedAt = at,
                        State = UnlockState.Delivered, ItemCount = 1,
                    },
                };
            }));
            await InsertAsync(db, Enumerable.Range(0, Advisors).Select(i => new DailySend
            {
                AdvisorId = ids[i], Phone = Phone(i), LocalDate = DateOnly.FromDateTime(dayStart), CreatedAt = dayStart.AddSeconds(i),
                State = i % 50 == 0 ? DailySendState.Skipped : DailySendState.Queued, Reason = i % 50 == 0 ? "opted_out" : null,
            }));
        }
    }

    private static Interaction Log(string phone, string direction, string type, DateTime at, string key, string? wamid = null) => new()
    {
        Direction = direction, Type = type, Phone = phone, At = at, RecordedAt = at, DedupeKey = key, WaMessageId = wamid ?? "wamid." + key, Text = "hello",
    };

    private static OutboxMessage Out(string to, string purpose, DateTime at, string wamid, string key) => new()
    {
        Recipient = to, Kind = purpose == "daily" ? "template" : "text", Purpose = purpose, IdempotencyKey = key, CreatedAt = at, NextAttemptAt = at,
        Payload = "{\"type\":\"text\",\"text\":{\"body\":\"x\"}}", State = OutboxState.Delivered, WaMessageId = wamid, AcceptedAt = at, DeliveredAt = at.AddSeconds(2),
    };

    private static async Task InsertAsync<T>(HubixDb db, IEnumerable<T> rows, Action<List<T>>? added = null) where T : class
    {
        foreach (var chunk in rows.Chunk(5000))
        {
            await using var ctx = db.CreateDbContext();
            ctx.ChangeTracker.AutoDetectChangesEnabled = false;
            ctx.AddRange(chunk.Cast<object>());
            await ctx.SaveChangesAsync(Ct);
            added?.Invoke([.. chunk]);
        }
    }

    internal sealed record Statement(string Sql, IReadOnlyList<DbParameter> Parameters);

    /// <summary>The SQL that EF Core runs on one test database while it is alive, with copies of its parameters.</summary>
    internal sealed class SqlCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly string _marker;
        private readonly List<IDisposable> _subscriptions = [];
        private readonly IDisposable _all;

        public SqlCapture(TestDatabase database)
        {
            var cs = new DbConnectionStringBuilder { ConnectionString = database.ConnectionString };
            _marker = (string)(database.Provider == DatabaseProvider.Sqlite ? cs["Data Source"] : cs["Database"]);
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public ConcurrentQueue<Statement> Statements { get; } = new();

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != RelationalEventId.CommandExecuting.Name || value.Value is not CommandEventData data)
            {
                return;
            }

            var command = data.Command;
            if (command.Connection?.ConnectionString.Contains(_marker, StringComparison.Ordinal) != true
                || !command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            var parameters = command.Parameters.Cast<DbParameter>().Select(p => p switch
            {
                NpgsqlParameter np => (DbParameter)np.Clone(),
                SqliteParameter sp => new SqliteParameter(sp.ParameterName, sp.Value) { SqliteType = sp.SqliteType },
                _ => throw new NotSupportedException(p.GetType().Name),
            }).ToList();
            Statements.Enqueue(new Statement(command.CommandText, parameters));
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}

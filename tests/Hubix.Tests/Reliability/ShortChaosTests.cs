using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Sandbox;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Tests.Reliability;

/// <summary>The chaos run starts real processes and kills one; it runs alone so the rest of the suite cannot starve it.</summary>
[CollectionDefinition("Chaos", DisableParallelization = true)]
public sealed class ChaosCollection;

/// <summary>
/// The fast version of the bench's chaos scenario: the real <c>hubix serve</c> binary as a child process, the
/// sandbox (in this process) injecting send errors, 130429, pair-rate 131056 and duplicated/reordered webhooks,
/// 40 advisors who get the daily template and tap it for a pack of 6, and one SIGKILL of hubix in the middle.
/// Asserts the properties, not the times: no tap lost, every pack whole and in order, nothing twice, nothing stuck.
/// </summary>
[Collection("Chaos")]
public class ShortChaosTests
{
    private const int Advisors = 40;
    private const int Items = 6;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task One_kill_under_sandbox_faults_loses_nothing_and_sends_nothing_twice(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var dir = Directory.CreateTempSubdirectory("hubix-chaos-").FullName;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var phones = Enumerable.Range(0, Advisors).Select(i => (918_000_000_000L + i).ToString(CultureInfo.InvariantCulture)).ToList();

        // Schema, advisors and a pack of 6 posts, written directly.
        await using (var db = database.Open())
        {
            await db.MigrateAsync(NullLogger.Instance, Ct);
            var csv = "phone,name,timezone,language,categories\n" + string.Concat(phones.Select((p, i) => $"+{p},Advisor {i},Etc/UTC,en,\n"));
            var imported = await AdvisorImport.ImportCsvAsync(db, csv, false, DateTime.UtcNow, Ct);
            Assert.True(imported.Applied, string.Join("; ", imported.Errors));
            var packDir = Path.Combine(dir, "content", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(packDir);
            var items = new JsonArray(Enumerable.Range(1, Items).Select(k => (JsonNode)new JsonObject { ["kind"] = "post", ["text"] = $"[chaos item {k}/{Items}] note {k}" }).ToArray());
            await File.WriteAllTextAsync(Path.Combine(packDir, "pack.json"),
                new JsonObject { ["date"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["items"] = items }.ToJsonString(), Ct);
            await PackImport.ImportDirectoryAsync(db, Path.Combine(dir, "content"), DateTime.UtcNow, Ct);
        }

        var hubixPort = ServeProcess.FreePort();
        var sandboxPort = ServeProcess.FreePort();
        var sandbox = SandboxApp.Create(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hubix:WhatsApp:AppSecret"] = HubixTestHost.AppSecret,
            ["Hubix:WhatsApp:AccessToken"] = HubixTestHost.AccessToken,
            ["Hubix:WhatsApp:PhoneNumberId"] = HubixTestHost.PhoneNumberId,
            ["Hubix:WhatsApp:BusinessAccountId"] = SandboxPair.WabaId,
            ["Hubix:WhatsApp:GraphBaseUrl"] = $"http://127.0.0.1:{sandboxPort}",
            ["Hubix:Sandbox:WebhookUrl"] = $"http://127.0.0.1:{hubixPort}/webhook",
            ["Hubix:Sandbox:StatusDelay"] = "00:00:00.050",
            ["Hubix:Sandbox:ReadDelay"] = "00:00:00.200",
            ["Hubix:Sandbox:MessagesPerSecond"] = "200",
            ["Hubix:Sandbox:PairRate:Burst"] = "4",
            ["Hubix:Sandbox:PairRate:Interval"] = "00:00:00.500",
            ["Hubix:Sandbox:Webhooks:Concurrency"] = "16",
            ["Hubix:Sandbox:Webhooks:RetryDelay"] = "00:00:00.500",
            ["Hubix:Sandbox:Webhooks:MaxRetryDelay"] = "00:00:02",
            ["Hubix:Sandbox:Webhooks:MaxAttempts"] = "60",
            ["Hubix:Sandbox:Faults:Seed"] = "7",
            ["Hubix:Sandbox:Faults:SendErrorShare"] = "0.1",
            ["Hubix:Sandbox:Faults:SendRateLimitShare"] = "0.03",
            ["Hubix:Sandbox:Faults:WebhookDuplicateShare"] = "0.2",
            ["Hubix:Sandbox:Faults:WebhookReorderShare"] = "0.2",
        }).Build(), $"http://127.0.0.1:{sandboxPort}");
        await sandbox.StartAsync(Ct);
        using var control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sandboxPort}") };
        control.DefaultRequestHeaders.Add(global::Hubix.Sandbox.SandboxSafety.ControlHeader, "1");

        string[] common =
        [
            $"--Hubix:WhatsApp:AppSecret={HubixTestHost.AppSecret}", $"--Hubix:WhatsApp:VerifyToken={HubixTestHost.VerifyToken}",
            $"--Hubix:WhatsApp:AccessToken={HubixTestHost.AccessToken}", $"--Hubix:WhatsApp:PhoneNumberId={HubixTestHost.PhoneNumberId}",
            $"--Hubix:WhatsApp:BusinessAccountId={SandboxPair.WabaId}", $"--Hubix:WhatsApp:GraphBaseUrl=http://127.0.0.1:{sandboxPort}",
            $"--Hubix:AdminApiKey={HubixTestHost.AdminKey}", "--Hubix:WhatsApp:MessagesPerSecond=200", "--Hubix:Schedule:Enabled=false",
            "--Hubix:Delivery:Lease=00:00:05", "--Hubix:Delivery:ReconcileGrace=00:00:05", "--Hubix:Delivery:MaintenanceInterval=00:00:01",
            "--Hubix:Inbox:Lease=00:00:05", "--Logging:LogLevel:Default=Warning", .. database.HostArgs,
        ];
        Process? serve = null;
        try
        {
            serve = await ServeProcess.StartServeAsync(hubixPort, common, dir);
            await ServeProcess.RunCliAsync(["send-daily", "--date", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. common], dir);

            await using var db = database.Open();
            var templates = new Dictionary<string, string>(StringComparer.Ordinal);
            await HubixTestHost.EventuallyAsync(async () =>
            {
                await using var ctx = db.CreateDbContext();
                templates = await ctx.Set<OutboxMessage>().AsNoTracking().Where(o => o.Kind == "template" && o.WaMessageId != null)
                    .ToDictionaryAsync(o => o.Recipient.TrimStart('+'), o => o.WaMessageId!, Ct);
                return templates.Count == Advisors;
            }, "every daily template to be accepted", 180_000);

            // Half the taps, the kill (no graceful stop), the other half while hubix is down, restart.
            var tapIds = new List<string>();
            foreach (var (phone, wamid) in templates.Take(Advisors / 2))
            {
                tapIds.Add(await TapAsync(control, phone, wamid));
            }

            await Task.Delay(300, Ct);
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(Ct);
            foreach (var (phone, wamid) in templates.Skip(Advisors / 2))
            {
                tapIds.Add(await TapAsync(control, phone, wamid));
            }

            serve.Dispose();
            serve = await ServeProcess.StartServeAsync(hubixPort, common, dir);

            // Settle: every pack row final, nothing pending in the inbox, the sandbox's webhook queue empty.
            await HubixTestHost.EventuallyAsync(async () =>
            {
                await using var ctx = db.CreateDbContext();
                var rows = await ctx.Set<OutboxMessage>().AsNoTracking().Where(o => o.GroupKey != null).ToListAsync(Ct);
                var pending = await ctx.Set<InboxEvent>().CountAsync(e => e.State == InboxState.Pending, Ct);
                var stats = await control.GetFromJsonAsync<JsonObject>("/_sandbox/stats", Ct);
                return rows.Count == Advisors * Items && pending == 0 && (int?)stats?["webhooksQueued"] == 0
                    && rows.All(o => o.State is OutboxState.Accepted or OutboxState.Sent or OutboxState.Delivered or OutboxState.Read or OutboxState.Failed);
            }, "every pack to settle", 240_000);

            await using (var ctx = db.CreateDbContext())
            {
                var recorded = await ctx.Set<Interaction>().AsNoTracking().Where(i => i.Direction == "in" && i.WaMessageId != null).Select(i => i.WaMessageId!).ToListAsync(Ct);
                Assert.Empty(tapIds.Except(recorded));
                Assert.Equal(0, await ctx.Set<OutboxMessage>().CountAsync(o => o.State == OutboxState.Queued || o.State == OutboxState.Sending, Ct));
                var failed = await ctx.Set<OutboxMessage>().AsNoTracking().Where(o => o.State == OutboxState.Failed).Select(o => o.Recipient + ": " + o.ErrorReason).ToListAsync(Ct);
                Assert.True(failed.Count == 0, "failed rows: " + string.Join("; ", failed));
            }

            // What the phones saw: 1..6, each once, in order.
            foreach (var phone in phones)
            {
                var messages = await control.GetFromJsonAsync<JsonArray>($"/_sandbox/phones/{phone}/messages", Ct) ?? [];
                var items = messages.Select(m => (string?)m?["text"] ?? "").Where(t => t.StartsWith("[chaos item ", StringComparison.Ordinal))
                    .Select(t => int.Parse(t["[chaos item ".Length..].Split('/')[0], CultureInfo.InvariantCulture)).ToList();
                Assert.True(items.SequenceEqual(Enumerable.Range(1, Items)), $"{phone} received items [{string.Join(",", items)}]");
            }

            // The dashboard's rollups, kept by triggers through the duplicates, the reordering and the kill, equal a recount
            // from the raw rows. Stopped first, so nothing moves between the two reads.
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(Ct);
            var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
            var kept = await RollupsAsync(db);
            Assert.Equal(Advisors, Sum(kept, "inbound", "taps"));
            Assert.Equal(Advisors, Sum(kept, "inbound", "unique_tappers"));
            Assert.Equal(Advisors, Sum(kept, "packs", "delivered"));
            Assert.Equal(Advisors * Items, kept.Where(k => k.Scope == "content" && k.Name is "accepted" or "sent" or "delivered" or "read").Sum(k => k.Value));
            await new global::Hubix.Dashboard.MetricsRebuild(db).RunAsync(today.AddDays(-2), today.AddDays(2), zone, TimeProvider.System, Ct);
            var recounted = await RollupsAsync(db);
            Assert.Equal(kept.Select(k => k.ToString()), recounted.Select(k => k.ToString()));
        }
        finally
        {
            if (serve is not null && !serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }

            serve?.Dispose();
            await sandbox.StopAsync(CancellationToken.None);
            await sandbox.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Temp; the OS cleans it.
            }
        }
    }

    private sealed record Counter(DateOnly Day, string Scope, string Name, long Value);

    /// <summary>Every non-zero counter (a counter that went up and back down stays as a 0 row; a recount never writes one).</summary>
    private static async Task<List<Counter>> RollupsAsync(HubixDb db)
    {
        await global::Hubix.Dashboard.MetricFolder.FoldAllAsync(db, Ct);
        await using var ctx = db.CreateDbContext();
        var rows = await global::Hubix.Dashboard.MetricCounters.ReadAsync(ctx, DateOnly.MinValue, DateOnly.MaxValue, Ct);
        return rows.Where(r => r.Value != 0).Select(r => new Counter(r.Day, r.Scope, r.Name, r.Value))
            .OrderBy(r => r.Day).ThenBy(r => r.Scope, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static long Sum(List<Counter> counters, string scope, string name) => counters.Where(c => c.Scope == scope && c.Name == name).Sum(c => c.Value);

    private static async Task<string> TapAsync(HttpClient control, string phone, string wamid)
    {
        using var r = await control.PostAsJsonAsync($"/_sandbox/phones/{phone}/tap", new { messageId = wamid, button = 0 }, Ct);
        Assert.True(r.IsSuccessStatusCode, $"tap {phone}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(Ct)}");
        var node = await r.Content.ReadFromJsonAsync<JsonObject>(Ct);
        return (string?)node?["id"] ?? "";
    }
}

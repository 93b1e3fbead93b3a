using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Sandbox;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Tests.Reliability;

/// <summary>
/// Several real <c>hubix serve</c> processes on one database (ADR-007): on PostgreSQL one leads (dispatch, scheduler,
/// retention) and the live feed crosses replicas; on SQLite a second process refuses to start.
/// </summary>
[Collection("Chaos")]
public class ReplicaTests
{
    private const int Advisors = 200;
    private const int Rate = 40;
    private const int Taps = 20;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_replicas_spend_one_send_budget_fail_over_on_a_kill_and_show_each_others_events()
    {
        await using var database = await TestDatabase.CreateAsync("Postgres");
        var dir = Directory.CreateTempSubdirectory("hubix-replicas-").FullName;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var phones = Enumerable.Range(0, Advisors).Select(i => (918_100_000_000L + i).ToString(CultureInfo.InvariantCulture)).ToList();
        await using (var db = database.Open())
        {
            await db.MigrateAsync(NullLogger.Instance, Ct);
            var csv = "phone,name,timezone,language,categories\n" + string.Concat(phones.Select((p, i) => $"+{p},Advisor {i},Etc/UTC,en,\n"));
            Assert.True((await AdvisorImport.ImportCsvAsync(db, csv, false, DateTime.UtcNow, Ct)).Applied);
            // The daily run sends only on a day that has a pack.
            var packDir = Path.Combine(dir, "content", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(packDir);
            await File.WriteAllTextAsync(Path.Combine(packDir, "pack.json"), new JsonObject
            {
                ["date"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["items"] = new JsonArray(new JsonObject { ["kind"] = "post", ["text"] = "today's note" }),
            }.ToJsonString(), Ct);
            await PackImport.ImportDirectoryAsync(db, Path.Combine(dir, "content"), DateTime.UtcNow, Ct);
        }

        var portA = ServeProcess.FreePort();
        var portB = ServeProcess.FreePort();
        var sandboxPort = ServeProcess.FreePort();
        // The sandbox holds Meta's per-number limit; two dispatchers at that rate each would draw 130429s from it.
        var sandbox = SandboxApp.Create(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hubix:WhatsApp:AppSecret"] = HubixTestHost.AppSecret,
            ["Hubix:WhatsApp:AccessToken"] = HubixTestHost.AccessToken,
            ["Hubix:WhatsApp:PhoneNumberId"] = HubixTestHost.PhoneNumberId,
            ["Hubix:WhatsApp:BusinessAccountId"] = SandboxPair.WabaId,
            ["Hubix:WhatsApp:GraphBaseUrl"] = $"http://127.0.0.1:{sandboxPort}", // loopback: the sandbox may use these secrets
            ["Hubix:Sandbox:WebhookUrl"] = $"http://127.0.0.1:{portB}/webhook", // B survives the kill below
            ["Hubix:Sandbox:MessagesPerSecond"] = Rate.ToString(CultureInfo.InvariantCulture),
            ["Hubix:Sandbox:StatusDelay"] = "00:00:00.050",
            ["Hubix:Sandbox:ReadDelay"] = "00:00:00.200",
        }).Build(), $"http://127.0.0.1:{sandboxPort}");
        await sandbox.StartAsync(Ct);
        using var control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sandboxPort}") };
        control.DefaultRequestHeaders.Add(SandboxSafety.ControlHeader, "1");

        string[] common =
        [
            $"--Hubix:WhatsApp:AppSecret={HubixTestHost.AppSecret}", $"--Hubix:WhatsApp:VerifyToken={HubixTestHost.VerifyToken}",
            $"--Hubix:WhatsApp:AccessToken={HubixTestHost.AccessToken}", $"--Hubix:WhatsApp:PhoneNumberId={HubixTestHost.PhoneNumberId}",
            $"--Hubix:WhatsApp:BusinessAccountId={SandboxPair.WabaId}", $"--Hubix:WhatsApp:GraphBaseUrl=http://127.0.0.1:{sandboxPort}",
            $"--Hubix:AdminApiKey={HubixTestHost.AdminKey}", $"--Hubix:WhatsApp:MessagesPerSecond={Rate}", "--Hubix:Schedule:Enabled=false",
            "--Hubix:Delivery:Lease=00:00:05", "--Hubix:Delivery:ReconcileGrace=00:00:05", "--Hubix:Delivery:MaintenanceInterval=00:00:01",
            "--Hubix:Agent:EmbeddingModelEnabled=false", "--Logging:LogLevel:Default=Warning", .. database.HostArgs,
        ];
        Process? a = null;
        Process? b = null;
        try
        {
            a = await ServeProcess.StartServeAsync(portA, common, dir);
            b = await ServeProcess.StartServeAsync(portB, common, dir);
            using var apiA = Api(portA);
            using var apiB = Api(portB);

            // One leader: A, which started first; B stands by.
            await HubixTestHost.EventuallyAsync(async () => await LeadingAsync(apiA) && !await LeadingAsync(apiB), "A to lead and B to stand by");

            // The live feed crosses replicas: a message processed by B shows on A's socket, and one processed by A on B's.
            using var wsA = await ConnectAsync(portA);
            using var wsB = await ConnectAsync(portB);
            await PostSignedAsync(portB, UnlockKit.Text(phones[1], "wamid.replica.to-b", DateTimeOffset.UtcNow, "hello B"));
            await PostSignedAsync(portA, UnlockKit.Text(phones[2], "wamid.replica.to-a", DateTimeOffset.UtcNow, "hello A"));
            await ReceiveContainingAsync(wsA, "hello B", "A's socket to show the message B processed");
            await ReceiveContainingAsync(wsB, "hello A", "B's socket to show the message A processed");

            // A load balancer without stickiness: a session signed in on A works on B (one key ring, in the database), and
            // a live-feed ticket A issued opens a socket on B, once (tickets in the database).
            using (var created = await apiA.PostAsJsonAsync("/api/users", new { name = "rhea", role = "viewer", password = "replica-pass-0123" }, Ct))
            {
                Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
            }

            var cookies = new System.Net.CookieContainer();
            using var browserA = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri($"http://127.0.0.1:{portA}") };
            using (var signIn = await browserA.PostAsJsonAsync("/api/session", new { name = "rhea", password = "replica-pass-0123" }, Ct))
            {
                Assert.True(signIn.IsSuccessStatusCode, $"sign-in on A: {(int)signIn.StatusCode}");
            }

            using var browserB = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = new Uri($"http://127.0.0.1:{portB}") };
            foreach (System.Net.Cookie cookie in cookies.GetAllCookies())
            {
                browserB.DefaultRequestHeaders.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            }

            var me = await browserB.GetFromJsonAsync<JsonObject>("/api/session", Ct);
            Assert.Equal("rhea", (string?)me?["name"]);
            var ticket = (string?)(await (await browserA.PostAsync("/api/ws-ticket", null, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))?["ticket"];
            Assert.False(string.IsNullOrEmpty(ticket));
            using (var byTicket = new ClientWebSocket())
            {
                await byTicket.ConnectAsync(new Uri($"ws://127.0.0.1:{portB}/ws?ticket={ticket}"), Ct);
                Assert.Equal(WebSocketState.Open, byTicket.State);
            }

            using (var again = new ClientWebSocket())
            {
                await Assert.ThrowsAsync<WebSocketException>(() => again.ConnectAsync(new Uri($"ws://127.0.0.1:{portA}/ws?ticket={ticket}"), Ct));
            }

            // The fan-out with both replicas up: the leader sends everything, the standby nothing (one budget, one pacer).
            await ServeProcess.RunCliAsync(["send-daily", "--date", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. common], dir);
            // Every phone holding its template (the sandbox's accepted count alone also counts the assistant's answers
            // to the two messages above, so it reached the number of advisors one template early now and then).
            async Task<int> PhonesWithTemplateAsync()
            {
                var n = 0;
                foreach (var phone in phones)
                {
                    var messages = await control.GetFromJsonAsync<JsonArray>($"/_sandbox/phones/{phone}/messages", Ct) ?? [];
                    n += messages.Any(m => (string?)m?["type"] == "template") ? 1 : 0;
                }

                return n;
            }

            await HubixTestHost.EventuallyAsync(async () => await AcceptedAsync(control) >= Advisors, "the templates to be accepted", 120_000);
            await HubixTestHost.EventuallyAsync(async () => await PhonesWithTemplateAsync() == Advisors, "every template to be accepted", 60_000);
            // (Beside the templates, the assistant answered the two messages above: everything Meta accepted came from A.)
            await HubixTestHost.EventuallyAsync(async () => await SentHereAsync(apiA) == await AcceptedAsync(control), "A's count of sends to match Meta's");
            Assert.Equal(0, await SentHereAsync(apiB));
            var acceptedBefore = await AcceptedAsync(control);
            foreach (var phone in phones)
            {
                var messages = await control.GetFromJsonAsync<JsonArray>($"/_sandbox/phones/{phone}/messages", Ct) ?? [];
                Assert.Equal(1, messages.Count(m => (string?)m?["type"] == "template"));
            }

            // The leader killed (no graceful stop): B leads within the lease interval and sends the packs of the taps
            // that come in; A restarted stands by.
            a.Kill(entireProcessTree: true);
            await a.WaitForExitAsync(Ct);
            a.Dispose();
            a = null;
            await HubixTestHost.EventuallyAsync(() => LeadingAsync(apiB), "B to take the lead after A was killed", 30_000);
            a = await ServeProcess.StartServeAsync(portA, common, dir);
            Assert.False(await LeadingAsync(apiA), "the restarted A stands by while B leads");
            await using var check = database.Open();
            Dictionary<string, string> templates;
            await using (var ctx = check.CreateDbContext())
            {
                templates = await ctx.Set<OutboxMessage>().AsNoTracking().Where(o => o.Purpose == "daily" && o.WaMessageId != null)
                    .ToDictionaryAsync(o => o.Recipient.TrimStart('+'), o => o.WaMessageId!, Ct);
            }

            var tappers = phones.Take(Taps).ToList();
            foreach (var phone in tappers)
            {
                using var r = await control.PostAsJsonAsync($"/_sandbox/phones/{phone}/tap", new { messageId = templates[phone], button = 0 }, Ct);
                Assert.True(r.IsSuccessStatusCode, $"tap {phone}: {(int)r.StatusCode}");
            }

            await HubixTestHost.EventuallyAsync(async () => await AcceptedAsync(control) >= acceptedBefore + Taps, "every tapper's pack to be accepted", 120_000);
            await HubixTestHost.EventuallyAsync(async () => await SentHereAsync(apiB) == await AcceptedAsync(control) - acceptedBefore, "B's count of sends to match Meta's");
            Assert.Equal(0, await SentHereAsync(apiA));
            foreach (var phone in tappers)
            {
                var messages = await control.GetFromJsonAsync<JsonArray>($"/_sandbox/phones/{phone}/messages", Ct) ?? [];
                Assert.Equal(1, messages.Count(m => ((string?)m?["text"] ?? "").Contains("today's note", StringComparison.Ordinal)));
            }
        }
        finally
        {
            foreach (var p in new[] { a, b })
            {
                if (p is not null && !p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }

                p?.Dispose();
            }

            await sandbox.StopAsync(CancellationToken.None);
            await sandbox.DisposeAsync();
            TryDelete(dir);
        }
    }

    [Fact]
    public async Task A_second_serve_on_the_same_SQLite_file_refuses_to_start_and_says_why()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var dir = Directory.CreateTempSubdirectory("hubix-sqlite-two-").FullName;
        string[] common =
        [
            $"--Hubix:WhatsApp:AppSecret={HubixTestHost.AppSecret}", $"--Hubix:WhatsApp:VerifyToken={HubixTestHost.VerifyToken}",
            $"--Hubix:WhatsApp:AccessToken={HubixTestHost.AccessToken}", $"--Hubix:WhatsApp:PhoneNumberId={HubixTestHost.PhoneNumberId}",
            $"--Hubix:AdminApiKey={HubixTestHost.AdminKey}", "--Hubix:Schedule:Enabled=false", "--Hubix:Agent:EmbeddingModelEnabled=false",
            "--Logging:LogLevel:Default=Warning", .. database.HostArgs,
        ];
        Process? first = null;
        try
        {
            first = await ServeProcess.StartServeAsync(ServeProcess.FreePort(), common, dir);
            var (code, _, error) = await ServeProcess.RunAsync(["serve", $"--urls=http://127.0.0.1:{ServeProcess.FreePort()}", .. common], dir);
            Assert.Equal(1, code);
            Assert.Contains("Another `hubix serve` is already using the SQLite database", error, StringComparison.Ordinal);
            Assert.Contains("PostgreSQL", error, StringComparison.Ordinal);

            // The first one's lock dies with it: a kill, then a new serve starts.
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(Ct);
            first.Dispose();
            first = await ServeProcess.StartServeAsync(ServeProcess.FreePort(), common, dir);
        }
        finally
        {
            if (first is not null && !first.HasExited)
            {
                first.Kill(entireProcessTree: true);
            }

            first?.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TryDelete(dir);
        }
    }

    private static HttpClient Api(int port)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HubixTestHost.AdminKey);
        return http;
    }

    private static async Task<bool> LeadingAsync(HttpClient api)
    {
        try
        {
            var status = await api.GetFromJsonAsync<JsonObject>("/api/dashboard/status", Ct);
            return (bool?)status?["leading"] == true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<long> SentHereAsync(HttpClient api) =>
        (long?)(await api.GetFromJsonAsync<JsonObject>("/api/dashboard/status", Ct))?["sentHere"] ?? -1;

    private static async Task<long> AcceptedAsync(HttpClient control) =>
        (long?)(await control.GetFromJsonAsync<JsonObject>("/_sandbox/stats", Ct))?["accepted"] ?? 0;

    private static async Task PostSignedAsync(int port, string json)
    {
        using var http = new HttpClient();
        var body = Encoding.UTF8.GetBytes(json);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/webhook") { Content = content };
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(body, Encoding.UTF8.GetBytes(HubixTestHost.AppSecret)));
        using var r = await http.SendAsync(request, Ct);
        Assert.True(r.IsSuccessStatusCode, $"webhook to {port}: {(int)r.StatusCode}");
    }

    private static async Task<ClientWebSocket> ConnectAsync(int port)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + HubixTestHost.AdminKey);
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), Ct);
        return ws;
    }

    private static async Task ReceiveContainingAsync(ClientWebSocket ws, string text, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(30_000);
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buffer, timeout.Token);
                    message.Write(buffer, 0, r.Count);
                }
                while (!r.EndOfMessage);

                Assert.False(r.MessageType == WebSocketMessageType.Close, "the feed closed before " + what);
                if (Encoding.UTF8.GetString(message.ToArray()).Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail("Timed out waiting for " + what);
        }
    }

    private static void TryDelete(string dir)
    {
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

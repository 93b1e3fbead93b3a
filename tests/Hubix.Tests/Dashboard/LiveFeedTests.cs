using System.Net.WebSockets;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Kernel;
using Hubix.Dashboard;
using Hubix.Tests.Infrastructure;

namespace Hubix.Tests.Dashboard;

public class LiveFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ClientWebSocket> ConnectAsync(HubixTestHost host, bool header = false)
    {
        var ws = new ClientWebSocket();
        var url = host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws";
        if (header)
        {
            ws.Options.SetRequestHeader("Authorization", "Bearer " + HubixTestHost.AdminKey);
        }
        else
        {
            // What a browser does: a single-use ticket, asked for with its credentials.
            var ticket = await host.Admin.PostAsync("/api/ws-ticket", null, Ct);
            ticket.EnsureSuccessStatusCode();
            url += "?ticket=" + (await ticket.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString();
        }

        await ws.ConnectAsync(new Uri(url), Ct);
        return ws;
    }

    private static async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket ws, Func<JsonElement, bool> match, string what, int timeoutMs = 15_000)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(timeoutMs);
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await ws.ReceiveAsync(buffer, timeout.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Assert.Fail("The feed closed before " + what);
                }

                var e = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail("Timed out waiting for " + what);
            throw;
        }
    }

    [Fact]
    public async Task A_tap_webhook_reaches_a_connected_client_as_a_tap_event()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        using var byQuery = await ConnectAsync(host);
        using var byHeader = await ConnectAsync(host, header: true);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(host.Services.GetRequiredService<LiveFeed>().ClientCount == 2), "both clients registered");

        var response = await host.PostWebhookAsync(Fixtures.Read("inbound-template-quick-reply-button.json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        foreach (var ws in new[] { byQuery, byHeader })
        {
            var tap = await ReceiveUntilAsync(ws, e => e.GetProperty("type").GetString() == "tap", "the tap event");
            Assert.Equal("16505551234", tap.GetProperty("phone").GetString());
            Assert.Equal("button", tap.GetProperty("data").GetProperty("kind").GetString());
            Assert.Equal("Unsubscribe", tap.GetProperty("data").GetProperty("payload").GetString());
            Assert.True(tap.TryGetProperty("at", out _));
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_is_dropped_while_a_reading_one_keeps_receiving()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Dashboard:ClientBuffer=16"]);
        var feed = host.Services.GetRequiredService<LiveFeed>();
        using var slow = await ConnectAsync(host);
        using var fast = await ConnectAsync(host);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(feed.ClientCount == 2), "both clients registered");

        long received = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[128 * 1024];
            while (!stop.IsCancellationRequested)
            {
                var r = await fast.ReceiveAsync(buffer, stop.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (r.EndOfMessage && Encoding.UTF8.GetString(buffer, 0, Math.Min(r.Count, 40)).Contains("\"bulk\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref received);
                }
            }
        }, Ct);

        // 64 KiB events in bursts of 8; wait for the reading client to catch up after each burst, so only the
        // one that never reads can fill its socket and then its 16-event buffer.
        var blob = new string('x', 64 * 1024);
        var published = 0;
        var deadline = Environment.TickCount64 + 60_000;
        while (feed.DroppedCount == 0 && Environment.TickCount64 < deadline)
        {
            for (var i = 0; i < 8; i++)
            {
                feed.Publish(new LiveEvent("bulk", DateTime.UnixEpoch, null, blob));
                published++;
            }

            await HubixTestHost.EventuallyAsync(() => Task.FromResult(Interlocked.Read(ref received) >= published), "the reading client to keep up");
        }

        Assert.Equal(1, feed.DroppedCount);
        Assert.Equal(1, feed.ClientCount);
        feed.Publish(new LiveEvent("bulk", DateTime.UnixEpoch, null, "last"));
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(Interlocked.Read(ref received) == published + 1), "the reading client to get the last event");
        await stop.CancelAsync();
        await reader.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task A_dropped_client_that_still_reads_gets_a_close_frame_saying_why()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Dashboard:ClientBuffer=1"]);
        var feed = host.Services.GetRequiredService<LiveFeed>();
        using var ws = await ConnectAsync(host, header: true);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(feed.ClientCount == 1), "the client registered");

        // Published in one synchronous burst, faster than any send loop drains a one-event buffer.
        for (var i = 0; i < 10_000 && feed.DroppedCount == 0; i++)
        {
            feed.Publish(new LiveEvent("bulk", DateTime.UnixEpoch, null, i));
        }

        Assert.Equal(1, feed.DroppedCount);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(15_000);
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer, timeout.Token);
        }
        while (r.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, r.CloseStatus);
        Assert.Contains("too slow", r.CloseStatusDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_with_nobody_listening_or_unserializable_data_does_not_throw()
    {
        var feed = new LiveFeed(Microsoft.Extensions.Logging.Abstractions.NullLogger<LiveFeed>.Instance);
        feed.Publish(new LiveEvent("tap", DateTime.UnixEpoch, "1", new { a = 1 }));
        using var sub = feed.Subscribe(2);
        var cyclic = new Dictionary<string, object>();
        cyclic["self"] = cyclic;
        feed.Publish(new LiveEvent("bad", DateTime.UnixEpoch, null, cyclic));
        feed.Publish(new LiveEvent("ok", DateTime.UnixEpoch, null));
        Assert.True(sub.Reader.TryRead(out var bytes));
        Assert.Contains("\"ok\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }
}

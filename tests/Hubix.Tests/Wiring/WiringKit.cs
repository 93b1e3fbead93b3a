using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hubix.Kernel;
using Hubix.Dashboard;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;

namespace Hubix.Tests.Wiring;

/// <summary>A dashboard client on <c>/ws</c> that keeps every event it receives, for bounded waits on them.</summary>
public sealed class LiveListener : IAsyncDisposable
{
    private readonly ClientWebSocket _ws;
    private readonly List<JsonElement> _events = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private LiveListener(ClientWebSocket ws)
    {
        _ws = ws;
        _reader = Task.Run(ReadAsync);
    }

    public static async Task<LiveListener> ConnectAsync(HubixTestHost host)
    {
        var ws = new ClientWebSocket();
        var url = host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws";
        ws.Options.SetRequestHeader("Authorization", "Bearer " + HubixTestHost.AdminKey);
        var before = host.Services.GetRequiredService<LiveFeed>().ClientCount;
        await ws.ConnectAsync(new Uri(url), TestContext.Current.CancellationToken);
        var listener = new LiveListener(ws);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(host.Services.GetRequiredService<LiveFeed>().ClientCount > before), "the live client to be registered");
        return listener;
    }

    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>Waits (bounded) for an event of this type that matches; returns it.</summary>
    public async Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool> match, string what, int timeoutMs = 20_000)
    {
        JsonElement found = default;
        await HubixTestHost.EventuallyAsync(() =>
        {
            var hit = Events.Where(e => e.GetProperty("type").GetString() == type).Where(match).ToList();
            if (hit.Count > 0)
            {
                found = hit[0];
            }

            return Task.FromResult(hit.Count > 0);
        }, what, timeoutMs);
        return found;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (_ws.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(buffer, _stop.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var e = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                lock (_gate)
                {
                    _events.Add(e);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
        }

        _ws.Dispose();
        _stop.Dispose();
    }
}

internal static class WiringKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static readonly TimeZoneInfo India = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    /// <summary>Today in India, where the test advisors and the dashboard live.</summary>
    public static DateOnly Today(HubixTestHost host) => LocalDay.Today(host.Services.GetRequiredService<TimeProvider>(), India);

    /// <summary>Imports the 2026-11-24 fixture pack as today's pack.</summary>
    public static Task<long> ImportTodaysPackAsync(HubixTestHost host) =>
        UnlockKit.ImportPackAsync(host, "2026-11-24", Today(host).DayNumber - new DateOnly(2026, 11, 24).DayNumber);

    public static async Task<List<JsonObject>> PhoneAsync(SandboxPair pair, string phone) =>
        (await pair.PhoneMessagesAsync(phone)).OfType<JsonObject>().ToList();

    public static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static string? DataStr(this JsonElement e, string name) => e.GetProperty("data").Str(name);
}

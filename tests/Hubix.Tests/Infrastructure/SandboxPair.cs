using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Hubix.Sandbox;

namespace Hubix.Tests.Infrastructure;

/// <summary>
/// Hubix on Kestrel wired to the Cloud API sandbox on Kestrel, both on 127.0.0.1: Hubix sends to the sandbox's
/// Graph routes, the sandbox signs and posts its webhooks to Hubix's /webhook. Only Meta is replaced.
/// </summary>
public sealed class SandboxPair : IAsyncDisposable
{
    public const string WabaId = "200000000000001";

    private SandboxPair(HubixTestHost hubix, WebApplication sandbox, Uri sandboxAddress)
    {
        Hubix = hubix;
        Sandbox = sandbox;
        SandboxClient = new HttpClient { BaseAddress = sandboxAddress };
        SandboxClient.DefaultRequestHeaders.Add(global::Hubix.Sandbox.SandboxSafety.ControlHeader, "1");
    }

    public HubixTestHost Hubix { get; }
    public WebApplication Sandbox { get; }

    /// <summary>Talks to the sandbox's control API (/_sandbox/...).</summary>
    public HttpClient SandboxClient { get; }

    public static async Task<SandboxPair> StartAsync(
        TestDatabase database,
        IEnumerable<string>? hubixArgs = null,
        IDictionary<string, string?>? sandboxSettings = null,
        TimeProvider? time = null,
        Action<WebApplicationBuilder>? configureHubix = null)
    {
        var hubixPort = FreePort();
        var sandboxPort = FreePort();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Hubix:WhatsApp:AppSecret"] = HubixTestHost.AppSecret,
            ["Hubix:WhatsApp:AccessToken"] = HubixTestHost.AccessToken,
            ["Hubix:WhatsApp:PhoneNumberId"] = HubixTestHost.PhoneNumberId,
            ["Hubix:WhatsApp:BusinessAccountId"] = WabaId,
            // What the Hubix side is told too: a local Graph, so these are not Meta's secrets and the sandbox may use them.
            ["Hubix:WhatsApp:GraphBaseUrl"] = $"http://127.0.0.1:{sandboxPort}",
            ["Hubix:Sandbox:WebhookUrl"] = $"http://127.0.0.1:{hubixPort}/webhook",
            ["Hubix:Sandbox:StatusDelay"] = "00:00:00.010",
            ["Hubix:Sandbox:ReadDelay"] = "00:00:00.050",
            ["Hubix:Sandbox:ReadShare"] = "1",
        };
        foreach (var kv in sandboxSettings ?? new Dictionary<string, string?>())
        {
            settings[kv.Key] = kv.Value;
        }

        var sandbox = SandboxApp.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), $"http://127.0.0.1:{sandboxPort}");
        await sandbox.StartAsync(TestContext.Current.CancellationToken);
        var hubix = await HubixTestHost.StartAsync(
            database,
            [
                $"--urls=http://127.0.0.1:{hubixPort}",
                $"--Hubix:WhatsApp:GraphBaseUrl=http://127.0.0.1:{sandboxPort}",
                $"--Hubix:WhatsApp:BusinessAccountId={WabaId}",
                .. hubixArgs ?? [],
            ],
            time,
            configureHubix);
        return new SandboxPair(hubix, sandbox, new Uri($"http://127.0.0.1:{sandboxPort}"));
    }

    /// <summary>What a simulated phone received, in order.</summary>
    public async Task<JsonArray> PhoneMessagesAsync(string phone)
    {
        var response = await SandboxClient.GetAsync($"/_sandbox/phones/{phone}/messages", TestContext.Current.CancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        var node = await response.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken);
        return node as JsonArray ?? node?["messages"] as JsonArray ?? [];
    }

    /// <summary>The phone taps a button of one of its messages; returns the inbound wamid.</summary>
    public async Task<string> TapAsync(string phone, string messageId, string button)
    {
        var response = await SandboxClient.PostAsJsonAsync($"/_sandbox/phones/{phone}/tap", new { messageId, button }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var node = await response.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken);
        return node?["id"]?.GetValue<string>() ?? node?["messageId"]?.GetValue<string>() ?? "";
    }

    public async Task<string> TextAsync(string phone, string body)
    {
        var response = await SandboxClient.PostAsJsonAsync($"/_sandbox/phones/{phone}/text", new { body }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var node = await response.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken);
        return node?["id"]?.GetValue<string>() ?? node?["messageId"]?.GetValue<string>() ?? "";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        SandboxClient.Dispose();
        await Hubix.DisposeAsync();
        await Sandbox.StopAsync(CancellationToken.None);
        await Sandbox.DisposeAsync();
    }
}

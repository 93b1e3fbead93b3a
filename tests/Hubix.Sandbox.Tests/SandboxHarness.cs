using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Sandbox.Tests;

/// <summary>One webhook POST as the receiver saw it: the exact bytes and the signature header.</summary>
public sealed record ReceivedWebhook(byte[] Body, string? Signature, string? ContentType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public IEnumerable<JsonElement> Values => Json.GetProperty("entry").EnumerateArray()
        .SelectMany(e => e.GetProperty("changes").EnumerateArray()).Select(c => c.GetProperty("value"));

    public IEnumerable<JsonElement> Statuses => Values.Where(v => v.TryGetProperty("statuses", out _)).SelectMany(v => v.GetProperty("statuses").EnumerateArray());

    public IEnumerable<JsonElement> Messages => Values.Where(v => v.TryGetProperty("messages", out _)).SelectMany(v => v.GetProperty("messages").EnumerateArray());
}

/// <summary>A tiny webhook endpoint on 127.0.0.1: records every POST and answers with a chosen status.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _requests;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Status to answer for the n-th request (1-based).</summary>
    public Func<int, int> Respond { get; set; } = _ => 200;

    public string Url { get; private set; } = "";

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/webhook", async (HttpContext http) =>
        {
            using var ms = new MemoryStream();
            await http.Request.Body.CopyToAsync(ms, http.RequestAborted);
            var n = Interlocked.Increment(ref receiver._requests);
            receiver._received.Enqueue(new ReceivedWebhook(ms.ToArray(), http.Request.Headers["X-Hub-Signature-256"].ToString(), http.Request.ContentType));
            return Results.StatusCode(receiver.Respond(n));
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        receiver.Url = BaseAddress(app) + "/webhook";
        return receiver;
    }

    public static string BaseAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Waits (bounded) until the received webhooks satisfy <paramref name="done"/>; returns them.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, string what)
    {
        var deadline = Environment.TickCount64 + 15_000;
        while (true)
        {
            var list = Received;
            if (done(list)) return list;
            if (Environment.TickCount64 > deadline) Assert.Fail($"Timed out waiting for webhooks: {what}. Got {list.Count}: " + string.Join("\n", list.Select(r => Encoding.UTF8.GetString(r.Body))));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public Task<IReadOnlyList<ReceivedWebhook>> WaitForStatusesAsync(string messageId, params string[] statuses) =>
        WaitAsync(list => statuses.All(s => list.SelectMany(r => r.Statuses).Any(x => Id(x) == messageId && Status(x) == s)), $"{messageId}: {string.Join(",", statuses)}");

    public static string? Id(JsonElement status) => status.GetProperty("id").GetString();

    public static string? Status(JsonElement status) => status.GetProperty("status").GetString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>A sandbox on 127.0.0.1:0 with a FakeTimeProvider, posting webhooks to a <see cref="WebhookReceiver"/>.</summary>
public sealed class SandboxHarness : IAsyncDisposable
{
    public const string Token = "test-access-token";
    public const string Secret = "test-app-secret";
    public const string PhoneNumberId = "106540352242922";
    public const string Waba = "102290129340398";
    public const string Display = "15550783881";
    public const string Version = "v23.0";

    private SandboxHarness(WebApplication app, WebhookReceiver receiver, FakeTimeProvider time)
    {
        App = app;
        Receiver = receiver;
        Time = time;
        BaseAddress = WebhookReceiver.BaseAddress(app);
        Graph = new HttpClient { BaseAddress = new Uri(BaseAddress) };
        Graph.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Control = new HttpClient { BaseAddress = new Uri(BaseAddress) };
        Control.DefaultRequestHeaders.Add(SandboxSafety.ControlHeader, "1");
    }

    public WebApplication App { get; }
    public WebhookReceiver Receiver { get; }
    public FakeTimeProvider Time { get; }
    public string BaseAddress { get; }
    public HttpClient Graph { get; }
    public HttpClient Control { get; }

    public static Dictionary<string, string?> BaseConfig(string webhookUrl) => new()
    {
        ["Hubix:WhatsApp:AppSecret"] = Secret,
        ["Hubix:WhatsApp:AccessToken"] = Token,
        ["Hubix:WhatsApp:PhoneNumberId"] = PhoneNumberId,
        ["Hubix:WhatsApp:BusinessAccountId"] = Waba,
        // A development configuration (Hubix pointed at a local Graph), so the sandbox may use these secrets.
        ["Hubix:WhatsApp:GraphBaseUrl"] = "http://127.0.0.1:9",
        ["Hubix:Sandbox:DisplayPhoneNumber"] = Display,
        ["Hubix:Sandbox:WebhookUrl"] = webhookUrl,
        ["Hubix:Sandbox:StatusDelay"] = "00:00:00",
        ["Hubix:Sandbox:ReadDelay"] = "00:00:00",
        ["Hubix:Sandbox:ReadShare"] = "1",
        ["Hubix:Sandbox:Webhooks:Concurrency"] = "1",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static async Task<SandboxHarness> StartAsync(Dictionary<string, string?>? overrides = null)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var settings = BaseConfig(receiver.Url);
        foreach (var (k, v) in overrides ?? []) settings[k] = v;
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 5, 0, 0, TimeSpan.Zero));
        var app = SandboxApp.Create(config, "http://127.0.0.1:0", s => s.AddSingleton<TimeProvider>(time));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new SandboxHarness(app, receiver, time);
    }

    public Task<HttpResponseMessage> SendAsync(object body, string phoneNumberId = PhoneNumberId) =>
        Graph.PostAsync($"/{Version}/{phoneNumberId}/messages", JsonContent(body), TestContext.Current.CancellationToken);

    public static StringContent JsonContent(object body) =>
        new(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>Sends and asserts acceptance; returns the wamid.</summary>
    public async Task<string> SendOkAsync(object body)
    {
        using var response = await SendAsync(body);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("messages")[0].GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> ErrorAsync(object body, int expectedCode, string phoneNumberId = PhoneNumberId)
    {
        using var response = await SendAsync(body, phoneNumberId);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.False(response.IsSuccessStatusCode, text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(expectedCode, error.GetProperty("code").GetInt32());
        return error;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var text = await Control.GetStringAsync(path, TestContext.Current.CancellationToken);
        return JsonDocument.Parse(text).RootElement;
    }

    public async Task<JsonElement> PostJsonAsync(string path, object body)
    {
        using var response = await Control.PostAsync(path, JsonContent(body), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Opens the phone's window by having it send a text; waits for that inbound webhook.</summary>
    public async Task OpenWindowAsync(string phone)
    {
        var id = (await PostJsonAsync($"/_sandbox/phones/{phone}/text", new { body = "hi" })).GetProperty("id").GetString();
        await Receiver.WaitAsync(l => l.SelectMany(r => r.Messages).Any(m => m.GetProperty("id").GetString() == id), "inbound text");
    }

    public static object Text(string to, string body = "hello") => new { messaging_product = "whatsapp", recipient_type = "individual", to, type = "text", text = new { body } };

    public static object DailyTemplate(string to, string? payload = null, string name = "daily_content_ready_v1", string language = "en", int parameters = 3, string? opaque = null)
    {
        var components = new List<object>
        {
            new { type = "body", parameters = Enumerable.Range(1, parameters).Select(i => new { type = "text", text = $"p{i}" }).ToArray() },
        };
        if (payload is not null) components.Add(new { type = "button", sub_type = "quick_reply", index = "0", parameters = new[] { new { type = "payload", payload } } });
        var template = new { name, language = new { code = language }, components };
        return opaque is null
            ? new { messaging_product = "whatsapp", to, type = "template", template }
            : new { messaging_product = "whatsapp", to, type = "template", template, biz_opaque_callback_data = opaque };
    }

    public static bool SignatureValid(ReceivedWebhook w)
    {
        if (w.Signature is null || !w.Signature.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), w.Body)));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(w.Signature));
    }

    public async ValueTask DisposeAsync()
    {
        Graph.Dispose();
        Control.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>Compares JSON shapes: same keys at every object level (arrays by their first element), same value kinds.</summary>
public static class Shape
{
    public static JsonElement Fixture(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name))).RootElement;

    public static void Same(JsonElement expected, JsonElement actual, string path = "$", params string[] ignore)
    {
        Assert.True(Kind(expected) == Kind(actual), $"{path}: expected {expected.ValueKind}, got {actual.ValueKind}");
        if (expected.ValueKind == JsonValueKind.Object)
        {
            var e = expected.EnumerateObject().Select(p => p.Name).Where(n => !ignore.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
            var a = actual.EnumerateObject().Select(p => p.Name).Where(n => !ignore.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.True(e.SequenceEqual(a), $"{path}: expected keys [{string.Join(",", e)}], got [{string.Join(",", a)}]");
            foreach (var n in e) Same(expected.GetProperty(n), actual.GetProperty(n), path + "." + n, ignore);
        }
        else if (expected.ValueKind == JsonValueKind.Array && expected.GetArrayLength() > 0)
        {
            Assert.True(actual.GetArrayLength() > 0, $"{path}: expected a non-empty array");
            Same(expected[0], actual[0], path + "[0]", ignore);
        }
    }

    private static JsonValueKind Kind(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? JsonValueKind.True : e.ValueKind;
}

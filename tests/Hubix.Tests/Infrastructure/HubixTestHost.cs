using System.Net.Http.Headers;
using System.Text;
using Hubix.Data;
using Hubix.Hosting;
using Hubix.WhatsApp.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hubix.Tests.Infrastructure;

/// <summary>
/// The real Hubix server on Kestrel at 127.0.0.1 (a free port), on a real database. Tests talk to it over
/// HTTP exactly as Meta and operators do.
/// </summary>
public sealed class HubixTestHost : IAsyncDisposable
{
    public const string AppSecret = "test-app-secret";
    public const string VerifyToken = "test-verify-token";
    public const string AdminKey = "test-admin-key-0123456789abcdef-0123456789";
    public const string AccessToken = "test-access-token";
    public const string PhoneNumberId = "106540352242922";

    private HubixTestHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
        Admin = new HttpClient { BaseAddress = baseAddress };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }

    /// <summary>No credentials: what Meta or a stranger has.</summary>
    public HttpClient Client { get; }

    /// <summary>With the admin key.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => App.Services;
    public HubixDb Db => App.Services.GetRequiredService<HubixDb>();

    public static async Task<HubixTestHost> StartAsync(
        TestDatabase database,
        IEnumerable<string>? extraArgs = null,
        TimeProvider? time = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Hubix:WhatsApp:AppSecret={AppSecret}",
            $"--Hubix:WhatsApp:VerifyToken={VerifyToken}",
            $"--Hubix:WhatsApp:AccessToken={AccessToken}",
            $"--Hubix:WhatsApp:PhoneNumberId={PhoneNumberId}",
            "--Hubix:WhatsApp:GraphBaseUrl=http://127.0.0.1:9",
            $"--Hubix:AdminApiKey={AdminKey}",
            "--Logging:LogLevel:Default=Warning",
            // The assistant's keyword rules answer without the 450 MB embedding model; tests about the model share
            // one instance (Agent tests) instead of every host loading its own.
            "--Hubix:Agent:EmbeddingModelEnabled=false",
            .. database.HostArgs,
            .. extraArgs ?? [],
        ];
        var app = HubixServer.Create(args, builder =>
        {
            if (time is not null)
            {
                builder.Services.RemoveAll<TimeProvider>();
                builder.Services.AddSingleton(time);
            }

            configure?.Invoke(builder);
        });
        await HubixServer.StartAsync(app, TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HubixTestHost(app, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>POSTs a body to /webhook signed as Meta signs it (or with the given signature header).</summary>
    public Task<HttpResponseMessage> PostWebhookAsync(byte[] body, string? signature = "sign")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = content };
        if (signature == "sign")
        {
            signature = WebhookSignature.Sign(body, Encoding.UTF8.GetBytes(AppSecret));
        }

        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, signature);
        }

        return Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> PostWebhookAsync(string json, string? signature = "sign") => PostWebhookAsync(Encoding.UTF8.GetBytes(json), signature);

    /// <summary>Waits (bounded) until the condition holds; polling, because the workers are asynchronous.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"Timed out waiting for: {what}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}

/// <summary>Reads test fixtures copied beside the test assembly (tests never read ../shared).</summary>
public static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
    public static string Read(string name) => File.ReadAllText(Path(name));
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hubix.Sandbox;

/// <summary>Builds the sandbox as a self-contained WebApplication, so it can run beside the server in one process.</summary>
public static class SandboxApp
{
    /// <summary>
    /// Builds a WebApplication hosting the sandbox on <paramref name="urls"/> (e.g. <c>http://127.0.0.1:5090</c>; port 0 picks one).
    /// Only <paramref name="configuration"/> is read (no appsettings or environment of its own).
    /// <paramref name="configureServices"/> runs last, so it can replace services (tests inject a FakeTimeProvider).
    /// A non-loopback address throws <see cref="SandboxListenException"/> unless <paramref name="allowRemote"/>: whoever
    /// reaches the sandbox can make it send signed webhooks and play every phone.
    /// </summary>
    public static WebApplication Create(IConfiguration configuration, string urls, Action<IServiceCollection>? configureServices = null, bool allowRemote = false)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(urls);
        if (!allowRemote && SandboxSafety.NonLoopback(urls) is { Count: > 0 } remote)
        {
            throw new SandboxListenException(
                $"The sandbox listens on loopback only, and {string.Join(", ", remote)} is not loopback (use http://127.0.0.1:PORT). " +
                "Anyone who reaches it can send webhooks signed with its app secret and act as every phone; pass --allow-remote to listen there anyway.");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SandboxApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(urls);
        builder.Services.AddHubixSandbox(configuration);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        // Before routing binds any body: a refused control POST must not even be parsed (the endpoint filter on the control
        // group says the same for hosts that map the sandbox themselves).
        app.Use(async (http, next) =>
        {
            if (SandboxSafety.IsRefusedControlRequest(http.Request))
            {
                await SandboxSafety.RefuseAsync(http.Response);
                return;
            }

            await next(http);
        });
        app.MapHubixSandbox();
        return app;
    }
}

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
    /// </summary>
    public static WebApplication Create(IConfiguration configuration, string urls, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(urls);
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
        app.MapHubixSandbox();
        return app;
    }
}

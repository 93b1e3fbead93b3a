using Hubix.AccountHealth;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.Content;
using Hubix.DailyPack;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Hubix.Hosting;

/// <summary>
/// The composition root: builds the server from its features, one Add and one Map each, in dependency order. Only the
/// CLI and this folder import every feature; features never import Hosting.
/// </summary>
public static class HubixServer
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships beside the binary; data paths stay relative to where you run it.
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The kernel: the clock and the live feed every feature publishes to.
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddHubixOptions<ServerOptions>();
        builder.Services.AddHubixOptions<ProxyOptions>();
        builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>, ConfigureForwardedHeaders>();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddOpenApi();

        // The features, each from the bottom of the dependency tree up (docs/decisions/ADR-004-feature-tree.md).
        builder.AddData();
        builder.AddOperators();
        builder.AddWhatsAppClient();
        builder.AddWebhooks();
        builder.AddDelivery();
        builder.AddAdvisors();
        builder.AddContent();
        builder.AddAccountHealth();
        builder.AddDailyPack();
        builder.AddAgent();
        builder.AddDashboard();
        builder.AddObservability();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseForwardedHeaders(); // before anything reads the client's address or scheme (Hubix:Proxy)
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDashboard();
        app.UseOperators();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi();
        app.MapOperators();
        app.MapWebhooks();
        app.MapAdvisors();
        app.MapContent();
        app.MapAccountHealth();
        app.MapDailyPack();
        app.MapDashboard();
        return app;
    }

    /// <summary>Migrates (unless turned off) and starts listening.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken ct = default)
    {
        var options = app.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.MigrateOnStart)
        {
            await app.Services.GetRequiredService<HubixDb>().MigrateAsync(app.Logger, ct);
        }

        await SyncMetricZoneAsync(app.Services, app.Logger, ct);
        await app.StartAsync(ct);
    }

    /// <summary>Before any worker writes: the rollup triggers cut days in the dashboard's zone.</summary>
    internal static async Task SyncMetricZoneAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var zone = services.GetRequiredService<IOptions<DashboardOptions>>().Value.Zone();
        var db = services.GetRequiredService<HubixDb>();
        if (await MetricZone.SyncAsync(db, zone, ct))
        {
            logger.LogWarning("Hubix:Dashboard:TimeZone changed to {Zone}: days already counted keep the old zone's bounds until `hubix metrics rebuild --from yyyy-MM-dd` recounts them", zone.Id);
        }

        // A database from before the rollups (or restored without them): count its history once.
        if (await MetricsRebuild.NeedsFirstCountAsync(db, ct) && await MetricsRebuild.FirstDayAsync(db, zone, ct) is { } first)
        {
            var time = services.GetRequiredService<TimeProvider>();
            var done = await new MetricsRebuild(db).RunAsync(first, LocalDay.Today(time, zone).AddDays(1), zone, time, ct);
            logger.LogInformation("Counted the history into the metric rollups: {From} to {To}, {Counters} counters in {Seconds:F1} s", done.From, done.To, done.Counters, done.Took.TotalSeconds);
        }
    }

    /// <summary>OpenTelemetry metrics with the Prometheus exporter: the Hubix meter plus ASP.NET Core's and Kestrel's own.</summary>
    private static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(HubixMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
            .AddPrometheusExporter());

        // Graceful stop (SIGTERM from systemd): hosted services get this long to drain before the process exits.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ServerOptions>>((host, server) => host.ShutdownTimeout = server.Value.ShutdownTimeout);
        return builder;
    }
}

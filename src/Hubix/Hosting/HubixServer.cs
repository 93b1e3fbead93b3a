using Hubix.Advisors;
using Hubix.Content;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Hubix.Hosting;

/// <summary>Builds the server. Reads as the table of contents: one Add and one Map per feature.</summary>
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
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<WhatsAppOptions>().BindConfiguration(WhatsAppOptions.Section);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddOpenApi();

        builder.AddData();
        builder.AddWebhooks();
        builder.AddWhatsAppClient();
        builder.AddDelivery();
        builder.AddAdvisors();
        builder.AddContent();
        builder.AddUnlock();
        builder.AddSchedule();
        builder.AddAgent();
        builder.AddDashboard();
        builder.AddObservability();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDashboard();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi();
        app.MapWebhookEndpoints();
        app.MapAdvisorEndpoints();
        app.MapContentEndpoints();
        app.MapUnlockEndpoints();
        app.MapScheduleEndpoints();
        app.MapDashboardEndpoints();
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

        await app.StartAsync(ct);
    }
}

namespace Hubix.Webhooks;

/// <summary>
/// What Meta tells us, durably: the webhook endpoint (signature on the raw bytes, group-committed inbox, 200 only once
/// stored), the inbox worker that turns bodies into CRM-log rows and hands new events to every <see cref="IInboxHandler"/>,
/// and the cleanup of processed bodies.
/// </summary>
public static class WebhooksFeature
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<InboxOptions>();
        builder.Services.AddSingleton<InboxSignal>();
        builder.Services.AddSingleton<WebhookCounters>();
        builder.Services.AddSingleton<InboxWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboxWriter>());
        builder.Services.AddSingleton<InboxWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboxWorker>());
        builder.Services.AddSingleton<InboxCleanup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboxCleanup>());
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        WebhookEndpoints.Map(app);
        return app;
    }
}

namespace Hubix.Webhooks;

/// <summary><c>Hubix:Inbox</c>.</summary>
public sealed class InboxOptions : IHubixOptions
{
    public static string Section => "Hubix:Inbox";

    public int BatchSize { get; set; } = 100;
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long processed webhook bodies are kept (their events stay as interactions); zero keeps them forever.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often <see cref="InboxCleanup"/> deletes what is past <see cref="Retention"/>.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems()
    {
        if (BatchSize is < 1 or > 5000)
        {
            yield return "Hubix:Inbox:BatchSize must be between 1 and 5000.";
        }

        if (MaxAttempts < 1 || Lease <= TimeSpan.Zero || IdlePoll <= TimeSpan.Zero)
        {
            yield return "Hubix:Inbox:MaxAttempts must be at least 1, and Hubix:Inbox:Lease and Hubix:Inbox:IdlePoll positive.";
        }

        if (Retention < TimeSpan.Zero || CleanupInterval <= TimeSpan.Zero || CleanupInterval > TimeSpan.FromDays(1))
        {
            yield return "Hubix:Inbox:Retention must be zero (keep forever) or positive, and Hubix:Inbox:CleanupInterval between 00:00:00.001 and 1.00:00:00.";
        }
    }
}

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

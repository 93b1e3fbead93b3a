namespace Hubix.Advisors;

/// <summary>
/// The people Hubix serves: advisors (import, API), their consent (the ledger and every rule about it,
/// <see cref="ConsentService"/>), their 24-hour window, and people who write but are not advisors.
/// </summary>
public static class AdvisorsFeature
{
    public static IHostApplicationBuilder AddAdvisors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<ConsentOptions>();
        builder.Services.AddSingleton<ConsentService>();
        builder.Services.AddSingleton<Webhooks.IInboxHandler, AdvisorInboxHandler>();

        // 131050 send errors are opt-outs too; delivery events are at most once, so it also checks on start.
        builder.Services.AddSingleton<OptOutOnSendError>();
        builder.Services.AddSingleton<Delivery.IDeliveryEvents>(sp => sp.GetRequiredService<OptOutOnSendError>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OptOutOnSendError>());
        return builder;
    }

    public static IEndpointRouteBuilder MapAdvisors(this IEndpointRouteBuilder app)
    {
        AdvisorEndpoints.Map(app);
        ConversationEndpoints.Map(app);
        return app;
    }
}

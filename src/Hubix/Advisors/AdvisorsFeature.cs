namespace Hubix.Advisors;

/// <summary><c>Hubix:Advisors</c>: what Hubix answers about consent, and to people who are not advisors.</summary>
public sealed class ConsentOptions : IHubixOptions
{
    public static string Section => "Hubix:Advisors";

    public string UnknownSenderReply { get; set; } =
        "Hello! This WhatsApp number sends daily content to registered advisors only. If you should be on the list, please contact your distributor.";

    public string OptOutReply { get; set; } = "You will no longer receive the daily content message. Reply START to subscribe again.";

    public string OptInReply { get; set; } = "Welcome back! You will receive the daily content message again. Reply STOP to unsubscribe.";

    /// <summary>STOP from someone already unsubscribed: confirmed, not ignored (they cannot tell it took effect otherwise).</summary>
    public string AlreadyOptedOutReply { get; set; } = "You are already unsubscribed from the daily content message. Reply START to subscribe again.";

    /// <summary>START from someone already subscribed (e.g. they never stopped): confirmed, not ignored.</summary>
    public string AlreadyOptedInReply { get; set; } = "You are already subscribed to the daily content message. Reply STOP to unsubscribe.";
}

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
        builder.Services.AddSingleton(ConsentService.OptedOutHold);
        builder.Services.AddSingleton<Webhooks.IInboxHandler, AdvisorInboxHandler>();
        // "Needs a reply" is cleared in the unit of work that queues the answer, whichever feature queues it.
        builder.Services.AddSingleton<Delivery.IOutboxListener, ReplyState>();

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

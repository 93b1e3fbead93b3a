using Hubix.Webhooks;

namespace Hubix.Delivery;

public static class DeliveryFeature
{
    /// <summary>
    /// The outbound delivery engine: <see cref="OutboxDispatcher"/>, status tracking (<see cref="DeliveryStatusHandler"/>),
    /// <see cref="OutboxSignal"/>, <see cref="DeliveryStats"/>, <see cref="DeliveryHealth"/> (readiness), and the
    /// <see cref="DeliveryEventPublisher"/> that feeds every registered <see cref="IDeliveryEvents"/>. Options: <c>Hubix:Delivery</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<DeliveryOptions>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<DeliveryStats>();
        builder.Services.AddSingleton<DeliveryHealth>();
        builder.Services.AddSingleton<DeliveryEventPublisher>();
        builder.Services.AddSingleton<IInboxHandler, DeliveryStatusHandler>();
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        builder.Services.AddHealthChecks().AddCheck<DeliveryHealthCheck>("delivery", tags: ["ready"]);
        return builder;
    }
}

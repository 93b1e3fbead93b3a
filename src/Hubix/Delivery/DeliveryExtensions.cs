using Hubix.Delivery;
using Hubix.Webhooks;

// In the hosting namespace (as eShop's ServiceDefaults do) so the server's table of contents needs no extra using.
namespace Microsoft.Extensions.Hosting;

public static class DeliveryExtensions
{
    /// <summary>
    /// The outbound delivery engine: <see cref="OutboxDispatcher"/>, status tracking (<see cref="DeliveryStatusHandler"/>),
    /// <see cref="OutboxSignal"/>, <see cref="DeliveryStats"/>, <see cref="DeliveryHealth"/> (readiness), and the
    /// <see cref="DeliveryEventPublisher"/> that feeds every registered <see cref="IDeliveryEvents"/>. Options: <c>Hubix:Delivery</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Lease > TimeSpan.Zero && o.IdlePoll > TimeSpan.Zero && o.ReconcileGrace >= TimeSpan.Zero && o.MaintenanceInterval > TimeSpan.Zero,
                "Hubix:Delivery: Lease, IdlePoll and MaintenanceInterval must be positive, ReconcileGrace not negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxSignal>();
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

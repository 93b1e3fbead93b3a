using Hubix.Delivery;
using Hubix.Webhooks;

namespace Hubix.DailyPack;

/// <summary>
/// The daily pack, end to end: the 05:00 template in each advisor's zone (<see cref="DailySender"/>,
/// <see cref="DailyScheduler"/>), the tap that unlocks the day's content (<see cref="UnlockService"/>, the one use case
/// behind taps, typed triggers, the assistant and the resend), and the unlocks' progress as the dispatcher works.
/// </summary>
public static class DailyPackFeature
{
    public static IHostApplicationBuilder AddDailyPack(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHubixOptions<ScheduleOptions>();
        services.AddHubixOptions<DailyTemplateOptions>();
        services.AddHubixOptions<UnlockOptions>();

        services.AddSingleton<ITemplateCatalog, CloudTemplateCatalog>();
        services.AddSingleton<DailySender>();
        services.AddHostedService<DailyScheduler>();
        services.AddSingleton<DailyRunStatus>();

        services.AddSingleton<UnlockService>();
        services.AddSingleton<IInboxHandler, UnlockHandler>();
        services.AddSingleton<UnlockResender>();
        services.AddSingleton<UnlockProgress>();
        services.AddSingleton<IDeliveryEvents>(sp => sp.GetRequiredService<UnlockProgress>());
        services.AddHostedService(sp => sp.GetRequiredService<UnlockProgress>());
        return builder;
    }

    public static IEndpointRouteBuilder MapDailyPack(this IEndpointRouteBuilder app)
    {
        ScheduleEndpoints.Map(app);
        UnlockEndpoints.Map(app);
        return app;
    }
}

using Hubix.Delivery;
using Hubix.Webhooks;

namespace Hubix.DailyPack;

/// <summary><c>Hubix:Schedule</c>.</summary>
public sealed class ScheduleOptions : IHubixOptions
{
    public static string Section => "Hubix:Schedule";

    /// <summary>Local time (in each advisor's zone) the daily template goes out. Default 05:00.</summary>
    public TimeSpan DailyAt { get; set; } = TimeSpan.FromHours(5);

    /// <summary>A server that was down at <see cref="DailyAt"/> catches up until this local time; later the day is skipped. Default 12:00.</summary>
    public TimeSpan LatestAt { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often the scheduler looks for advisors whose time has come.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Turn the background scheduler off (send-daily still works).</summary>
    public bool Enabled { get; set; } = true;

    public IEnumerable<string> Problems()
    {
        if (!(LatestAt > DailyAt && LatestAt <= TimeSpan.FromHours(24) && DailyAt >= TimeSpan.Zero))
        {
            yield return "Hubix:Schedule: DailyAt must be a time of day before LatestAt (e.g. 05:00 and 12:00).";
        }

        if (Tick < TimeSpan.FromSeconds(1))
        {
            yield return "Hubix:Schedule:Tick must be at least 1 second.";
        }
    }
}

/// <summary><c>Hubix:Templates:Daily</c>: the UTILITY template announcing the day's pack.</summary>
public sealed class DailyTemplateOptions : IHubixOptions
{
    public static string Section => "Hubix:Templates:Daily";

    public string Name { get; set; } = "daily_content_ready_v1";
    public string Language { get; set; } = "en";

    /// <summary>
    /// One payload prefix per quick-reply button, in button order: RETRIEVE_CONTENT (whole pack), UNLOCK_IMAGES,
    /// UNLOCK_CONTENT (posts), UNLOCK_UPDATES. Empty means ["RETRIEVE_CONTENT"].
    /// </summary>
    public List<string> Buttons { get; set; } = [];

    public IReadOnlyList<string> EffectiveButtons => Buttons.Count == 0 ? ["RETRIEVE_CONTENT"] : Buttons;

    public IEnumerable<string> Problems()
    {
        if (!EffectiveButtons.All(UnlockScopes.Prefixes.ContainsKey))
        {
            yield return "Hubix:Templates:Daily:Buttons: each entry must be RETRIEVE_CONTENT, UNLOCK_IMAGES, UNLOCK_CONTENT or UNLOCK_UPDATES.";
        }
    }
}

/// <summary><c>Hubix:Unlock</c>: how often a pack may be delivered, and what the advisor is told when it cannot be.</summary>
public sealed class UnlockOptions : IHubixOptions
{
    public static string Section => "Hubix:Unlock";

    /// <summary>How often one advisor may get the same pack (per button) in one local day.</summary>
    public int MaxPerDay { get; set; } = 3;

    /// <summary>The customer-service window, counted from Meta's timestamp of the tap.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>{max} is the cap.</summary>
    public string CapReply { get; set; } = "You have already received this content {max} times today. Please scroll up in this chat to find it.";

    /// <summary>{date} is the pack's date.</summary>
    public string NoPackReply { get; set; } = "Sorry, there is no content for {date} yet. Please try again later.";

    public IEnumerable<string> Problems()
    {
        if (MaxPerDay < 1)
        {
            yield return "Hubix:Unlock:MaxPerDay must be at least 1.";
        }

        if (Window <= TimeSpan.Zero || Window > TimeSpan.FromHours(24))
        {
            yield return "Hubix:Unlock:Window must be positive and at most 1.00:00:00 (WhatsApp's customer-service window).";
        }
    }
}

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
        services.AddSingleton<TemplatePauseOnSendError>();
        services.AddSingleton<IDeliveryEvents>(sp => sp.GetRequiredService<TemplatePauseOnSendError>());
        services.AddHostedService(sp => sp.GetRequiredService<TemplatePauseOnSendError>());
        services.AddSingleton<MessagingLimiter>();
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

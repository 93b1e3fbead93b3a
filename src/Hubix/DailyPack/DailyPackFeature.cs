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
/// <remarks>
/// <see cref="Name"/> and <see cref="Language"/> are the default template. <see cref="Languages"/> adds one entry per
/// advisor language (<c>Advisor.Language</c>), each a template language code and optionally another template name:
/// <code>
/// "Daily": { "Name": "daily_content_ready_v1", "Language": "en",
///            "Languages": { "hi": { "Language": "hi" }, "mr": { "Name": "daily_ready_mr_v1", "Language": "mr" } } }
/// </code>
/// Each entry is pre-flighted like the default (exists, APPROVED, UTILITY). An advisor whose language has no entry, or
/// whose entry fails the pre-flight, gets the default template, and the send records it as a language fallback.
/// </remarks>
public sealed class DailyTemplateOptions : IHubixOptions
{
    public static string Section => "Hubix:Templates:Daily";

    public string Name { get; set; } = "daily_content_ready_v1";
    public string Language { get; set; } = "en";

    /// <summary>Per advisor language (<c>Advisor.Language</c>, e.g. <c>hi</c>): the template to send instead of the default.</summary>
    public Dictionary<string, DailyTemplateVariant> Languages { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The default template.</summary>
    public DailyTemplateChoice Default => new(Name, Language, false);

    /// <summary>The template for an advisor's language: its entry, the default when the language is the default's, else the default as a fallback.</summary>
    public DailyTemplateChoice For(string? advisorLanguage)
    {
        var lang = (advisorLanguage ?? "").Trim();
        if (lang.Length == 0 || string.Equals(lang, Language, StringComparison.OrdinalIgnoreCase))
        {
            return Default;
        }

        // The entry's key as configured ("hi"), not the advisor's spelling of it ("HI"), is the template language code.
        var entry = Languages.FirstOrDefault(kv => string.Equals(kv.Key, lang, StringComparison.OrdinalIgnoreCase));
        return entry.Value is { } v
            ? new DailyTemplateChoice(string.IsNullOrWhiteSpace(v.Name) ? Name : v.Name, string.IsNullOrWhiteSpace(v.Language) ? entry.Key : v.Language, false)
            : Default with { Fallback = true };
    }

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

        foreach (var (lang, v) in Languages)
        {
            if (string.IsNullOrWhiteSpace(lang) || v is null)
            {
                yield return "Hubix:Templates:Daily:Languages: each entry needs an advisor language as its key, e.g. Languages:hi:Language=hi.";
            }
        }
    }
}

/// <summary>One entry of <see cref="DailyTemplateOptions.Languages"/>; empty values take the default's name and the entry's key as language.</summary>
public sealed class DailyTemplateVariant
{
    /// <summary>Template name; empty means <see cref="DailyTemplateOptions.Name"/> (the same template in another language).</summary>
    public string? Name { get; set; }

    /// <summary>WhatsApp template language code (e.g. <c>hi</c>); empty means the entry's key.</summary>
    public string? Language { get; set; }
}

/// <summary>The daily template chosen for an advisor; <see cref="Fallback"/> when their language's template was missing or not sendable.</summary>
public sealed record DailyTemplateChoice(string Name, string Language, bool Fallback);

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
        PackPreviewEndpoints.Map(app);
        return app;
    }
}

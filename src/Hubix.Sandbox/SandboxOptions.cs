using System.Globalization;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox;

/// <summary>
/// Settings of the sandbox. The account ids come from <c>Hubix:WhatsApp</c> (the same keys the server reads, so one
/// configuration serves both); everything else comes from <c>Hubix:Sandbox</c>. The secrets are <c>Hubix:Sandbox:AppSecret</c>
/// and <c>Hubix:Sandbox:AccessToken</c> when given; otherwise the <c>Hubix:WhatsApp</c> ones only when that configuration points
/// the server at a loopback Graph (<see cref="SandboxSafety.MayBorrowSecrets"/>); otherwise (a production configuration:
/// its secrets are Meta's) the sandbox generates its own for the run (<see cref="GeneratedSecrets"/>).
/// </summary>
public sealed class SandboxOptions
{
    /// <summary>True when the sandbox made up its own secrets because its configuration holds production ones.</summary>
    public bool GeneratedSecrets { get; set; }

    /// <summary>Section holding the sandbox's own settings.</summary>
    public const string SectionName = "Hubix:Sandbox";

    /// <summary>Section holding the account settings shared with the server.</summary>
    public const string WhatsAppSectionName = "Hubix:WhatsApp";

    /// <summary><c>Hubix:Sandbox:AppSecret</c> (or, see the class, <c>Hubix:WhatsApp:AppSecret</c>): HMAC key the sandbox signs its webhooks with.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary><c>Hubix:Sandbox:AccessToken</c> (or, see the class, <c>Hubix:WhatsApp:AccessToken</c>): the only bearer token the Graph routes accept.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary><c>Hubix:WhatsApp:PhoneNumberId</c>: the business phone number id the sandbox serves.</summary>
    public string PhoneNumberId { get; set; } = "";

    /// <summary><c>Hubix:WhatsApp:BusinessAccountId</c>: WABA id (templates listing, <c>entry[].id</c> of webhooks).</summary>
    public string BusinessAccountId { get; set; } = "";

    /// <summary><c>Hubix:Sandbox:DisplayPhoneNumber</c>: the business number shown in webhook metadata and <c>context.from</c>.</summary>
    public string DisplayPhoneNumber { get; set; } = "15550001234";

    /// <summary><c>Hubix:Sandbox:WebhookUrl</c>: where webhooks are POSTed. Empty: webhooks are built but not sent.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary><c>Hubix:Sandbox:MessagesPerSecond</c>: throughput limit per phone number id (Meta: 80, up to 1,000).</summary>
    public double MessagesPerSecond { get; set; } = 80;

    /// <summary><c>Hubix:Sandbox:PairRate</c>: the per-recipient limit (131056).</summary>
    public PairRateOptions PairRate { get; set; } = new();

    /// <summary><c>Hubix:Sandbox:ReadShare</c>: share (0..1) of delivered messages that are then read.</summary>
    public double ReadShare { get; set; } = 0.8;

    /// <summary><c>Hubix:Sandbox:StatusDelay</c>: time from accept to <c>sent</c>, and from <c>sent</c> to <c>delivered</c>.</summary>
    public TimeSpan StatusDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary><c>Hubix:Sandbox:ReadDelay</c>: time from <c>delivered</c> to <c>read</c>.</summary>
    public TimeSpan ReadDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Hubix:Sandbox:Window</c>: length of the customer service window (Meta: 24 h).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary><c>Hubix:Sandbox:MediaUrlLifetime</c>: how long a media download URL stays valid (Meta: 5 min).</summary>
    public TimeSpan MediaUrlLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>Hubix:Sandbox:MaxMessagesPerPhone</c>: a phone keeps at most this many chat entries (oldest dropped).</summary>
    public int MaxMessagesPerPhone { get; set; } = 1000;

    /// <summary><c>Hubix:Sandbox:MessagingLimitTier</c>: the number's messaging limit at start (TIER_250, TIER_2K, ... TIER_UNLIMITED).</summary>
    public string MessagingLimitTier { get; set; } = "TIER_2K";

    /// <summary><c>Hubix:Sandbox:Templates</c>: templates added to (or replacing, by name and language) the default set.</summary>
    public List<TemplateOptions> Templates { get; set; } = [];

    /// <summary><c>Hubix:Sandbox:Phones</c>: phones created at start.</summary>
    public List<PhoneOptions> Phones { get; set; } = [];

    /// <summary><c>Hubix:Sandbox:Webhooks</c>: delivery worker settings.</summary>
    public WebhookDeliveryOptions Webhooks { get; set; } = new();

    /// <summary><c>Hubix:Sandbox:Faults</c>: fault injection at start (same fields as <c>POST /_sandbox/faults</c>).</summary>
    public FaultOptions Faults { get; set; } = new();
}

/// <summary>Pair rate limit: one message per <see cref="Interval"/> to the same recipient, with a burst allowance.</summary>
public sealed class PairRateOptions
{
    /// <summary><c>Hubix:Sandbox:PairRate:Interval</c>: steady rate, one message per interval (Meta: 6 s).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary><c>Hubix:Sandbox:PairRate:Burst</c>: messages allowed at once before the steady rate applies (Meta: 45).</summary>
    public int Burst { get; set; } = 45;
}

/// <summary>A template the sandbox knows. Only <c>APPROVED</c> ones can be sent.</summary>
public sealed class TemplateOptions
{
    public string Name { get; set; } = "";
    public string Language { get; set; } = "en";
    public string Category { get; set; } = "UTILITY";
    public string Status { get; set; } = "APPROVED";

    /// <summary>Body text with <c>{{1}}</c>… or <c>{{name}}</c> placeholders. When empty, one is generated.</summary>
    public string? Body { get; set; }

    /// <summary>Number of positional body parameters; ignored when <see cref="ParameterNames"/> is set or <see cref="Body"/> has placeholders.</summary>
    public int? BodyParameterCount { get; set; }

    /// <summary>Named body parameters (<c>parameter_format: NAMED</c>).</summary>
    public List<string> ParameterNames { get; set; } = [];

    /// <summary>Quick-reply button titles, in order.</summary>
    public List<string> Buttons { get; set; } = [];

    /// <summary>Header format: empty (none), <c>TEXT</c>, <c>IMAGE</c> or <c>DOCUMENT</c>.</summary>
    public string? HeaderFormat { get; set; }

    /// <summary>Header text for <c>TEXT</c> headers (may hold one <c>{{1}}</c>).</summary>
    public string? HeaderText { get; set; }
}

/// <summary>A phone created at start.</summary>
public sealed class PhoneOptions
{
    public string Phone { get; set; } = "";
    public string? Name { get; set; }

    /// <summary>When true the phone's customer service window is open from start.</summary>
    public bool WindowOpen { get; set; }
}

/// <summary>How the sandbox delivers webhooks.</summary>
public sealed class WebhookDeliveryOptions
{
    /// <summary><c>Hubix:Sandbox:Webhooks:QueueCapacity</c>: bounded queue; a full queue drops and counts the webhook.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary><c>Hubix:Sandbox:Webhooks:Concurrency</c>: POSTs in flight at once. 1 keeps webhooks in queue order.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary><c>Hubix:Sandbox:Webhooks:Timeout</c>: HTTP timeout of one POST.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Hubix:Sandbox:Webhooks:MaxAttempts</c>: attempts before a webhook is abandoned.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary><c>Hubix:Sandbox:Webhooks:RetryDelay</c>: first backoff; the first retry is immediate, then this doubles.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Hubix:Sandbox:Webhooks:MaxRetryDelay</c>: backoff cap.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Fault injection. Shares are probabilities 0..1 drawn from a Random seeded with <see cref="Seed"/>.</summary>
public sealed class FaultOptions
{
    /// <summary>Seed of the Random behind every share (and <c>ReadShare</c>); null: a fixed default seed.</summary>
    public int? Seed { get; set; }

    /// <summary>Share of sends answered with HTTP 500 (Graph code 2, <c>is_transient</c>); nothing is accepted.</summary>
    public double SendErrorShare { get; set; }

    /// <summary>Share of sends that are accepted but whose response is held for <see cref="SendTimeout"/>.</summary>
    public double SendTimeoutShare { get; set; }

    /// <summary>How long a timed-out send holds the request (longer than the client's timeout).</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Share of sends answered with 130429 regardless of the real throughput.</summary>
    public double SendRateLimitShare { get; set; }

    /// <summary>Share of webhook deliveries POSTed twice.</summary>
    public double WebhookDuplicateShare { get; set; }

    /// <summary>Share of messages whose <c>delivered</c> status is POSTed before their <c>sent</c> status.</summary>
    public double WebhookReorderShare { get; set; }

    /// <summary>Share of webhook deliveries held back for <see cref="WebhookDelay"/>.</summary>
    public double WebhookDelayShare { get; set; }

    /// <summary>Extra delay of a delayed webhook.</summary>
    public TimeSpan WebhookDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Share of webhook deliveries treated as failed after the POST (whatever the answer) and retried with backoff.</summary>
    public double WebhookFailShare { get; set; }

    /// <summary>When above 1, status webhooks are batched up to this many statuses per POST.</summary>
    public int WebhookBatchSize { get; set; }

    /// <summary>A batch that is not full is sent after this time.</summary>
    public TimeSpan WebhookBatchWindow { get; set; } = TimeSpan.FromSeconds(1);

    internal FaultOptions Clone() => (FaultOptions)MemberwiseClone();

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(SendErrorShare), SendErrorShare), (nameof(SendTimeoutShare), SendTimeoutShare),
            (nameof(SendRateLimitShare), SendRateLimitShare), (nameof(WebhookDuplicateShare), WebhookDuplicateShare),
            (nameof(WebhookReorderShare), WebhookReorderShare), (nameof(WebhookDelayShare), WebhookDelayShare),
            (nameof(WebhookFailShare), WebhookFailShare),
        })
        {
            if (!(value >= 0 && value <= 1))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}{name} must be between 0 and 1 (was {value}).");
            }
        }
        if (SendTimeout < TimeSpan.Zero) yield return $"{prefix}{nameof(SendTimeout)} must not be negative.";
        if (WebhookDelay < TimeSpan.Zero) yield return $"{prefix}{nameof(WebhookDelay)} must not be negative.";
        if (WebhookBatchSize is < 0 or > 1000) yield return $"{prefix}{nameof(WebhookBatchSize)} must be between 0 and 1000.";
        if (WebhookBatchWindow <= TimeSpan.Zero) yield return $"{prefix}{nameof(WebhookBatchWindow)} must be positive.";
    }
}

/// <summary>Checks the options at start; every message names the configuration key.</summary>
internal sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions o)
    {
        var errors = new List<string>();
        const string wa = SandboxOptions.WhatsAppSectionName + ":";
        const string sb = SandboxOptions.SectionName + ":";
        if (string.IsNullOrWhiteSpace(o.AppSecret)) errors.Add($"{wa}AppSecret is required (the sandbox signs webhooks with it).");
        if (string.IsNullOrWhiteSpace(o.AccessToken)) errors.Add($"{wa}AccessToken is required (the bearer token the sandbox accepts).");
        if (string.IsNullOrWhiteSpace(o.PhoneNumberId)) errors.Add($"{wa}PhoneNumberId is required.");
        if (string.IsNullOrWhiteSpace(o.BusinessAccountId)) errors.Add($"{wa}BusinessAccountId is required.");
        if (string.IsNullOrWhiteSpace(o.DisplayPhoneNumber)) errors.Add($"{sb}DisplayPhoneNumber must not be empty.");
        if (!string.IsNullOrWhiteSpace(o.WebhookUrl)
            && (!Uri.TryCreate(o.WebhookUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{sb}WebhookUrl must be an absolute http(s) URL (was '{o.WebhookUrl}').");
        }
        if (!(o.MessagesPerSecond > 0 && o.MessagesPerSecond <= 1_000_000))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sb}MessagesPerSecond must be above 0 and at most 1000000 (was {o.MessagesPerSecond})."));
        }
        if (o.PairRate.Interval <= TimeSpan.Zero) errors.Add($"{sb}PairRate:Interval must be positive.");
        if (o.PairRate.Burst < 1) errors.Add($"{sb}PairRate:Burst must be at least 1.");
        if (!(o.ReadShare >= 0 && o.ReadShare <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sb}ReadShare must be between 0 and 1 (was {o.ReadShare})."));
        }
        if (o.StatusDelay < TimeSpan.Zero) errors.Add($"{sb}StatusDelay must not be negative.");
        if (o.ReadDelay < TimeSpan.Zero) errors.Add($"{sb}ReadDelay must not be negative.");
        if (o.Window <= TimeSpan.Zero) errors.Add($"{sb}Window must be positive.");
        if (o.MediaUrlLifetime <= TimeSpan.Zero) errors.Add($"{sb}MediaUrlLifetime must be positive.");
        if (o.MaxMessagesPerPhone < 1) errors.Add($"{sb}MaxMessagesPerPhone must be at least 1.");
        if (o.Webhooks.QueueCapacity < 1) errors.Add($"{sb}Webhooks:QueueCapacity must be at least 1.");
        if (o.Webhooks.Concurrency is < 1 or > 256) errors.Add($"{sb}Webhooks:Concurrency must be between 1 and 256.");
        if (o.Webhooks.Timeout <= TimeSpan.Zero) errors.Add($"{sb}Webhooks:Timeout must be positive.");
        if (o.Webhooks.MaxAttempts < 1) errors.Add($"{sb}Webhooks:MaxAttempts must be at least 1.");
        if (o.Webhooks.RetryDelay < TimeSpan.Zero) errors.Add($"{sb}Webhooks:RetryDelay must not be negative.");
        if (o.Webhooks.MaxRetryDelay < o.Webhooks.RetryDelay) errors.Add($"{sb}Webhooks:MaxRetryDelay must not be below RetryDelay.");
        errors.AddRange(o.Faults.Validate(sb + "Faults:"));
        for (var i = 0; i < o.Templates.Count; i++)
        {
            var t = o.Templates[i];
            var key = string.Create(CultureInfo.InvariantCulture, $"{sb}Templates:{i}:");
            if (string.IsNullOrWhiteSpace(t.Name)) errors.Add($"{key}Name is required.");
            if (string.IsNullOrWhiteSpace(t.Language)) errors.Add($"{key}Language is required.");
            if (t.BodyParameterCount is < 0) errors.Add($"{key}BodyParameterCount must not be negative.");
            if (t.Buttons.Count > 10) errors.Add($"{key}Buttons: at most 10 quick-reply buttons.");
            if (t.HeaderFormat is { Length: > 0 } f && f is not ("TEXT" or "IMAGE" or "DOCUMENT")) errors.Add($"{key}HeaderFormat must be TEXT, IMAGE or DOCUMENT.");
        }
        for (var i = 0; i < o.Phones.Count; i++)
        {
            if (PhoneNumbers.Normalize(o.Phones[i].Phone) is null)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sb}Phones:{i}:Phone must be a phone number (was '{o.Phones[i].Phone}')."));
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

namespace Hubix.Dashboard;

// The JSON of GET /api/webhook/metrics and of the live feed's "metrics" event; computed by MetricsService.

/// <summary>Counts of one kind of outbound message.</summary>
public sealed class MessageCounts
{
    /// <summary>Every message queued that day, whatever became of it.</summary>
    public int Queued { get; set; }

    /// <summary>Accepted by Meta, no status yet.</summary>
    public int Accepted { get; set; }

    /// <summary>Reached sent, delivered or read (a message that failed after it was sent counts as failed only).</summary>
    public int Sent { get; set; }
    public int Delivered { get; set; }
    public int Read { get; set; }
    public int Failed { get; set; }

    /// <summary>Never sent: cancelled while queued because the advisor opted out (consent at send time).</summary>
    public int Cancelled { get; set; }

    /// <summary>Failed messages by Meta's error code ("none" when the row has no code, e.g. window_expired).</summary>
    public Dictionary<string, int> FailedByCode { get; set; } = [];
}

/// <summary>One template on one day: the funnel up to the tap.</summary>
public sealed class TemplateMetrics
{
    public required string Name { get; set; }
    public MessageCounts Messages { get; set; } = new();
    public int Taps { get; set; }
    public int UniqueTappers { get; set; }

    /// <summary>Advisors who tapped ÷ templates delivered; null when none was delivered.</summary>
    public double? TapRate { get; set; }
}

public sealed class PackCounts
{
    public int Delivered { get; set; }
    public int Partial { get; set; }
    public int Failed { get; set; }
    public int InProgress { get; set; }
}

/// <summary>
/// Median and 95th percentile of a duration, in seconds, over <see cref="Count"/> samples. From the rollups' histogram:
/// each is the upper bound of the bucket the percentile falls in (bounds in <see cref="RollupSql.LatencyBoundsMs"/>).
/// </summary>
public sealed record LatencyStats(int Count, double? MedianSeconds, double? P95Seconds);

/// <summary>
/// One advisor language on one day (<c>Advisor.Language</c> as recorded on the daily send and the unlock; <c>unknown</c>
/// for rows from before it was recorded).
/// </summary>
public sealed class LanguageMetrics
{
    /// <summary>Daily templates queued for advisors of this language.</summary>
    public int TemplatesQueued { get; set; }

    /// <summary>Of those, sent in the default language because theirs had no sendable template.</summary>
    public int TemplateFallbacks { get; set; }

    /// <summary>Daily templates that reached sent (or delivered, read) and did not fail.</summary>
    public int TemplatesSent { get; set; }

    public int TemplatesDelivered { get; set; }

    /// <summary>Taps on a daily template (by the template's context; taps on other messages are not attributed).</summary>
    public int Taps { get; set; }

    /// <summary>Packs delivered whole (by the tap's day).</summary>
    public int PacksDelivered { get; set; }

    /// <summary>Unlocks that got the default language's items because the pack had none in the advisor's language.</summary>
    public int PackFallbacks { get; set; }
}

/// <summary>Everything about one local day.</summary>
public sealed class DayMetrics
{
    public DateOnly Date { get; set; }

    /// <summary>Daily templates, per template name.</summary>
    public List<TemplateMetrics> Templates { get; set; } = [];

    /// <summary>All daily templates of the day.</summary>
    public MessageCounts TemplateTotals { get; set; } = new();

    /// <summary>Template quick-reply taps (<c>button</c>) and reply-button taps (<c>button_reply</c>).</summary>
    public int Taps { get; set; }

    public int UniqueTappers { get; set; }
    public double? TapRate { get; set; }

    /// <summary>Packs by outcome, from the Unlocks table (resends included), by the tap's day.</summary>
    public PackCounts Packs { get; set; } = new();

    /// <summary>Pack messages (outbox purpose <c>unlock</c>).</summary>
    public MessageCounts Content { get; set; } = new();

    /// <summary>Agent answers (purpose <c>agent</c>).</summary>
    public MessageCounts AgentMessages { get; set; } = new();

    /// <summary>Operator replies (purpose <c>operator</c>).</summary>
    public MessageCounts OperatorMessages { get; set; } = new();

    /// <summary>Delivered (or read) ÷ messages that left the queue (sent, delivered, read or failed); null when none did.</summary>
    public double? DeliverySuccessRate { get; set; }

    /// <summary>From the unlocks' own timings (taps only, not resends).</summary>
    public LatencyStats TapToFirstContentAccepted { get; set; } = new(0, null, null);

    public LatencyStats TapToPackDelivered { get; set; } = new(0, null, null);

    /// <summary>Advisors who sent anything but a tap (text, media...).</summary>
    public int Chats { get; set; }

    public int InboundMessages { get; set; }
    public int AgentAnswers { get; set; }

    /// <summary>The agent's reply turns by intent.</summary>
    public Dictionary<string, int> AgentAnswersByIntent { get; set; } = [];

    public int Handoffs { get; set; }

    /// <summary>Consent ledger changes of the day, from every source (keyword, Meta, admin).</summary>
    public int OptOuts { get; set; }

    public int OptIns { get; set; }

    /// <summary>The day by advisor language (<c>en</c>, <c>hi</c>, ...): templates, taps, packs and fallbacks.</summary>
    public SortedDictionary<string, LanguageMetrics> Languages { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One Meta error code over the range, with the catalog's words for the failures table.</summary>
public sealed record FailureRow(int? Code, int Count, string Title, string Meaning, string Action, IReadOnlyList<string> Purposes, DateTime LastAt);

public sealed record MetricsResponse(DateOnly From, DateOnly To, string TimeZone, IReadOnlyList<DayMetrics> Days, IReadOnlyList<FailureRow> Failures);

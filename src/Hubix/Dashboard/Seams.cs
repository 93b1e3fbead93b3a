using Hubix.Data;

namespace Hubix.Dashboard;

// Seams for the features that own other tables (Unlock, Agent, consent, the daily scheduler). Each one
// registers its implementation in its own AddXxx; with none registered the dashboard shows zeros/empty.

/// <summary>
/// Adds a feature's figures to each day's metrics: packs from the Unlock table, agent answers by intent from
/// the conversation table, opt-outs and opt-ins from the consent ledger. Called once per request for the
/// whole range; set or add to the fields of <see cref="MetricsContext.Days"/>.
/// </summary>
public interface IMetricsContributor
{
    Task ContributeAsync(MetricsContext context, CancellationToken ct);
}

/// <summary>What a contributor gets: the range (local dates in the dashboard zone, and the UTC bounds) and the day objects to fill.</summary>
public sealed class MetricsContext(HubixDbContext db, DateOnly from, DateOnly to, TimeZoneInfo zone, IReadOnlyDictionary<DateOnly, DayMetrics> days)
{
    public HubixDbContext Db { get; } = db;
    public DateOnly From { get; } = from;
    public DateOnly To { get; } = to;
    public TimeZoneInfo Zone { get; } = zone;
    public IReadOnlyDictionary<DateOnly, DayMetrics> Days { get; } = days;

    /// <summary>Start of <see cref="From"/> in UTC (inclusive).</summary>
    public DateTime StartUtc => LocalDay.StartUtc(From, Zone);

    /// <summary>End of <see cref="To"/> in UTC (exclusive).</summary>
    public DateTime EndUtc => LocalDay.StartUtc(To.AddDays(1), Zone);

    /// <summary>The local date of a UTC instant; null when outside the range.</summary>
    public DayMetrics? DayOf(DateTime utc) => Days.GetValueOrDefault(LocalDay.Of(utc, Zone));
}

/// <summary>
/// Fills in what the agent knows about its messages: intent, sources and latency (from the agent's own table,
/// matched on <see cref="ConversationMessage.OutboxId"/> or <see cref="ConversationMessage.WaMessageId"/>).
/// </summary>
public interface IConversationEnricher
{
    Task EnrichAsync(HubixDbContext db, IReadOnlyList<ConversationMessage> messages, CancellationToken ct);
}

/// <summary>Adds a feature's entries (unlocks, consent changes, agent turns) to an advisor's timeline.</summary>
public interface ITimelineContributor
{
    Task ContributeAsync(HubixDbContext db, string phone, List<TimelineEntry> entries, CancellationToken ct);
}

/// <summary>Overrides a report row's pack state (or anything else) from a feature's table.</summary>
public interface IDailyReportContributor
{
    Task ContributeAsync(HubixDbContext db, DateOnly date, TimeZoneInfo zone, IReadOnlyDictionary<string, DailyReportRow> rowsByPhone, CancellationToken ct);
}

/// <summary>The daily run (05:00 template) as the scheduler sees it: for the dashboard's "daily run" panel.</summary>
public interface IDailyRunStatus
{
    Task<DailyRunState> GetAsync(DateOnly date, CancellationToken ct);
}

/// <param name="State">e.g. not_started, running, done, failed.</param>
/// <param name="Skipped">Advisors skipped, each with the reason (opted out, window, template not approved...).</param>
public sealed record DailyRunState(
    DateOnly Date, string State, DateTime? StartedAt, DateTime? FinishedAt, int Planned, int Enqueued, IReadOnlyList<DailyRunSkip> Skipped);

public sealed record DailyRunSkip(string Phone, string Reason);


using System.Globalization;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>One thing in an advisor's history.</summary>
/// <param name="Kind">template, tap, message_in, message_out, status, event, unlock, consent, daily_send, agent.</param>
public sealed record TimelineEntry(DateTime At, string Kind, string? Summary, string? State, string? WaMessageId, int? ErrorCode, object? Data = null);

public sealed record AdvisorTimeline(
    string Phone, string? Name, string? Status, bool Known, DateTime? LastInboundAt, bool HandoffOpen, DateTime? WindowOpenUntil, IReadOnlyList<TimelineEntry> Entries);

/// <summary>
/// Everything about one advisor in time order: the outbox and the CRM log (messages, taps, statuses), then their unlocks,
/// consent changes, daily templates and the agent's turns, each from its feature's table.
/// </summary>
public sealed class TimelineService(HubixDb db)
{
    /// <summary>Entries each feature's table adds at most (its newest).</summary>
    private const int MaxFeatureEntries = 500;

    private const int MaxAgentTurns = 200;

    public async Task<AdvisorTimeline> GetAsync(string phone, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 5000);
        await using var context = db.CreateDbContext();
        var advisor = await context.Set<Advisor>().AsNoTracking().FirstOrDefaultAsync(a => a.Phone == phone, ct);
        var entries = new List<TimelineEntry>();
        await AddOutboundAsync(context, phone, limit, entries, ct);
        await AddLogAsync(context, phone, limit, entries, ct);
        await AddConsentAsync(context, phone, entries, ct);
        await AddUnlocksAsync(context, phone, entries, ct);
        await AddDailySendsAsync(context, phone, entries, ct);
        await AddAgentTurnsAsync(context, phone, entries, ct);

        entries.Sort((a, b) => a.At.CompareTo(b.At));
        var until = advisor?.LastInboundAt + ConversationEndpoints.Window;
        return new AdvisorTimeline(phone, advisor?.Name, advisor?.Status.ToString().ToLowerInvariant(), advisor is not null, advisor?.LastInboundAt,
            advisor?.HandoffOpen ?? false, until, entries.Count > limit ? entries[^limit..] : entries);
    }

    /// <summary>Every outbox row to the advisor (kind <c>template</c> for daily templates, else <c>message_out</c>) with its tracking.</summary>
    private static async Task AddOutboundAsync(HubixDbContext context, string phone, int limit, List<TimelineEntry> entries, CancellationToken ct)
    {
        var outbound = await Tracking.LoadAsync(context, context.Set<OutboxMessage>().Where(o => o.Recipient == phone).OrderByDescending(o => o.Id).Take(limit), ct);
        var payloads = await Tracking.PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
        foreach (var o in outbound)
        {
            var text = payloads.TryGetValue(o.Id, out var p) ? Tracking.Text(o.Kind, p) : null;
            entries.Add(new TimelineEntry(o.CreatedAt, o.Purpose == "daily" ? "template" : "message_out", text, o.State, o.WaMessageId, o.ErrorCode, new
            {
                outboxId = o.Id, purpose = o.Purpose, kind = o.Kind, template = o.TemplateName, acceptedAt = o.AcceptedAt, sentAt = o.SentAt,
                deliveredAt = o.DeliveredAt, readAt = o.ReadAt, failedAt = o.FailedAt, errorReason = o.ErrorReason,
            }));
        }
    }

    /// <summary>The CRM log but our own sends (those come from the outbox): taps, messages in, statuses, other events.</summary>
    private static async Task AddLogAsync(HubixDbContext context, string phone, int limit, List<TimelineEntry> entries, CancellationToken ct)
    {
        var log = await context.Set<Interaction>().AsNoTracking().Where(i => i.Phone == phone && i.Direction != "out").OrderByDescending(i => i.Id).Take(limit)
            .Select(i => new { i.At, i.Direction, i.Type, i.Text, i.Payload, i.WaMessageId, i.ErrorCode, i.ErrorDetails, i.Context }).ToListAsync(ct);
        foreach (var i in log)
        {
            var kind = i.Direction switch
            {
                "in" when Interaction.TapTypes.Contains(i.Type) => "tap",
                "in" => "message_in",
                "status" => "status",
                _ => "event",
            };
            var summary = i.Direction == "status" ? i.Type + (i.ErrorCode is { } c ? " (" + c.ToString(CultureInfo.InvariantCulture) + ")" : "") : i.Text ?? i.Payload;
            entries.Add(new TimelineEntry(i.At, kind, summary, i.Direction == "status" ? i.Type : null, i.WaMessageId, i.ErrorCode,
                new { type = i.Type, context = i.Context, errorDetails = i.ErrorDetails }));
        }
    }

    /// <summary>Consent changes from the ledger (kind <c>consent</c>).</summary>
    private static async Task AddConsentAsync(HubixDbContext context, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var events = await context.Set<ConsentEvent>().AsNoTracking().Where(e => e.Phone == phone).OrderByDescending(e => e.Id).Take(MaxFeatureEntries).ToListAsync(ct);
        foreach (var e in events)
        {
            var status = e.Status == AdvisorStatus.OptedOut ? "opted_out" : "active";
            entries.Add(new TimelineEntry(e.At, "consent", (e.Status == AdvisorStatus.OptedOut ? "Opted out" : "Opted in") + " (" + e.Source + ")", status, null, null,
                new { consentId = e.Id, status, source = e.Source, detail = e.Detail }));
        }
    }

    /// <summary>Unlocks (kind <c>unlock</c>) at the tap's time, their state brought up to date from the outbox.</summary>
    private static async Task AddUnlocksAsync(HubixDbContext context, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var unlocks = await context.Set<UnlockRecord>().AsNoTracking().Where(u => u.Phone == phone).OrderByDescending(u => u.Id).Take(MaxFeatureEntries).ToListAsync(ct);
        await UnlockTracker.RefreshAsync(context, unlocks, ct);
        foreach (var u in unlocks)
        {
            var resend = u.TapKind == UnlockResender.ResendKind;
            var state = UnlockEndpoints.StateName(u.State);
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"{(resend ? "Resend of" : "Pack")} {u.PackDate:yyyy-MM-dd} ({u.Scope}) #{u.Sequence}: {state}, {u.ItemCount} item(s)")
                + (u.FailureReason is null ? "" : " — " + u.FailureReason);
            entries.Add(new TimelineEntry(u.TappedAt, "unlock", summary, state, resend ? null : u.TapMessageId, null, new
            {
                unlockId = u.Id, packId = u.PackId, packDate = u.PackDate, scope = u.Scope, sequence = u.Sequence, tapKind = u.TapKind, resolvedBy = u.ResolvedBy,
                items = u.ItemCount, skippedItems = u.SkippedItems, firstAcceptedAt = u.FirstAcceptedAt, deliveredAt = u.DeliveredAt, finishedAt = u.FinishedAt,
                failureReason = u.FailureReason, groupKey = u.GroupKey,
            }));
        }
    }

    /// <summary>The scheduler's daily-template decisions (kind <c>daily_send</c>): queued for a date, or skipped and why.</summary>
    private static async Task AddDailySendsAsync(HubixDbContext context, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var sends = await context.Set<DailySend>().AsNoTracking().Where(s => s.Phone == phone).OrderByDescending(s => s.Id).Take(MaxFeatureEntries).ToListAsync(ct);
        foreach (var s in sends)
        {
            var state = s.State == DailySendState.Queued ? "queued" : "skipped";
            var summary = "Daily template for " + s.LocalDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ": "
                + (s.State == DailySendState.Queued ? "queued" : "skipped (" + (s.Reason ?? "no reason") + ")");
            entries.Add(new TimelineEntry(s.CreatedAt, "daily_send", summary, state, null, null,
                new { localDate = s.LocalDate, packId = s.PackId, reason = s.Reason, outboxKey = s.OutboxKey }));
        }
    }

    /// <summary>The agent's turns (kind <c>agent</c>): what it understood and what it did.</summary>
    private static async Task AddAgentTurnsAsync(HubixDbContext context, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var turns = await context.Set<ConversationTurn>().AsNoTracking().Where(t => t.Phone == phone).OrderByDescending(t => t.Id).Take(MaxAgentTurns).ToListAsync(ct);
        foreach (var t in turns)
        {
            entries.Add(new TimelineEntry(t.At, "agent", t.Role + ": " + (t.Intent ?? "?") + (t.Note is null ? "" : " (" + t.Note + ")"),
                t.State.ToString().ToLowerInvariant(), t.InboundWamid, null, new
                {
                    role = t.Role,
                    intent = t.Intent,
                    sources = t.SourceList(),
                    latencyMs = t.LatencyMs,
                    llm = t.Llm,
                    path = t.Path,
                    outboxId = t.OutboxId,
                }));
        }
    }
}

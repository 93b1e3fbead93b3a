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

/// <param name="Entries">The newest entries before the cursor (at most <c>limit</c>), in time order: oldest first.</param>
/// <param name="OlderCursor">Pass as <c>before</c> for the entries before these; null when these reach the first one.</param>
public sealed record AdvisorTimeline(
    string Phone, string? Name, string? Status, bool Known, DateTime? LastInboundAt, bool HandoffOpen, DateTime? WindowOpenUntil, IReadOnlyList<TimelineEntry> Entries,
    string? OlderCursor = null);

/// <summary>
/// Everything about one advisor in time order: the outbox and the CRM log (messages, taps, statuses), their unlocks,
/// consent changes, daily templates and the agent's turns, each from its feature's table. Paged newest first with a
/// keyset over all six tables (<see cref="TimeKeyset{T}"/>): each reads at most one page through its (phone, time, id)
/// index, however long the advisor's history.
/// </summary>
public sealed class TimelineService(HubixDb db)
{
    public const int DefaultEntries = 200;
    public const int MaxEntries = 1000;

    // The tables, in the order entries of one instant are listed.
    private const int Outbox = 0, Log = 1, Consent = 2, Unlocks = 3, DailySends = 4, AgentTurns = 5;

    public async Task<AdvisorTimeline> GetAsync(string phone, string? before, int limit, CancellationToken ct)
    {
        var keyset = new TimeKeyset<TimelineEntry>(before, limit, "before");
        await using var context = db.CreateDbContext();
        var advisor = await context.Set<Advisor>().AsNoTracking().FirstOrDefaultAsync(a => a.Phone == phone, ct);
        await AddOutboundAsync(context, phone, keyset, ct);
        await AddLogAsync(context, phone, keyset, ct);
        await AddConsentAsync(context, phone, keyset, ct);
        await AddUnlocksAsync(context, phone, keyset, ct);
        await AddDailySendsAsync(context, phone, keyset, ct);
        await AddAgentTurnsAsync(context, phone, keyset, ct);

        var (entries, older) = keyset.Page();
        var until = advisor?.LastInboundAt + ConversationEndpoints.Window;
        return new AdvisorTimeline(phone, advisor?.Name, advisor?.Status.ToString().ToLowerInvariant(), advisor is not null, advisor?.LastInboundAt,
            advisor?.HandoffOpen ?? false, until, entries, older);
    }

    /// <summary>Every outbox row to the advisor (kind <c>template</c> for daily templates, else <c>message_out</c>) with its tracking.</summary>
    private static async Task AddOutboundAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<OutboxMessage>().Where(o => o.Recipient == phone);
        if (keyset.Before(Outbox) is var (at, id))
        {
            rows = rows.Where(o => o.CreatedAt <= at && (o.CreatedAt < at || o.Id < id));
        }

        var outbound = await Tracking.LoadAsync(context, rows.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(keyset.Fetch), ct);
        var payloads = await Tracking.PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
        foreach (var o in outbound)
        {
            var text = payloads.TryGetValue(o.Id, out var p) ? Tracking.Text(o.Kind, p) : null;
            keyset.Add(o.CreatedAt, Outbox, o.Id, new TimelineEntry(o.CreatedAt, o.Purpose == "daily" ? "template" : "message_out", text, o.State, o.WaMessageId, o.ErrorCode, new
            {
                outboxId = o.Id, purpose = o.Purpose, kind = o.Kind, template = o.TemplateName, acceptedAt = o.AcceptedAt, sentAt = o.SentAt,
                deliveredAt = o.DeliveredAt, readAt = o.ReadAt, failedAt = o.FailedAt, errorReason = o.ErrorReason,
            }));
        }
    }

    /// <summary>The CRM log but our own sends (those come from the outbox): taps, messages in, statuses, other events.</summary>
    private static async Task AddLogAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<Interaction>().AsNoTracking().Where(i => i.Phone == phone && i.Direction != "out");
        if (keyset.Before(Log) is var (at, id))
        {
            rows = rows.Where(i => i.At <= at && (i.At < at || i.Id < id));
        }

        var log = await rows.OrderByDescending(i => i.At).ThenByDescending(i => i.Id).Take(keyset.Fetch)
            .Select(i => new { i.Id, i.At, i.Direction, i.Type, i.Text, i.Payload, i.WaMessageId, i.ErrorCode, i.ErrorDetails, i.Context }).ToListAsync(ct);
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
            keyset.Add(i.At, Log, i.Id, new TimelineEntry(i.At, kind, summary, i.Direction == "status" ? i.Type : null, i.WaMessageId, i.ErrorCode,
                new { type = i.Type, context = i.Context, errorDetails = i.ErrorDetails }));
        }
    }

    /// <summary>Consent changes from the ledger (kind <c>consent</c>).</summary>
    private static async Task AddConsentAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<ConsentEvent>().AsNoTracking().Where(e => e.Phone == phone);
        if (keyset.Before(Consent) is var (at, id))
        {
            rows = rows.Where(e => e.At <= at && (e.At < at || e.Id < id));
        }

        var events = await rows.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(keyset.Fetch).ToListAsync(ct);
        foreach (var e in events)
        {
            var status = e.Status == AdvisorStatus.OptedOut ? "opted_out" : "active";
            keyset.Add(e.At, Consent, e.Id, new TimelineEntry(e.At, "consent", (e.Status == AdvisorStatus.OptedOut ? "Opted out" : "Opted in") + " (" + e.Source + ")", status, null, null,
                new { consentId = e.Id, status, source = e.Source, detail = e.Detail }));
        }
    }

    /// <summary>Unlocks (kind <c>unlock</c>) at the tap's time, their state brought up to date from the outbox.</summary>
    private static async Task AddUnlocksAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<UnlockRecord>().AsNoTracking().Where(u => u.Phone == phone);
        if (keyset.Before(Unlocks) is var (at, id))
        {
            rows = rows.Where(u => u.TappedAt <= at && (u.TappedAt < at || u.Id < id));
        }

        var unlocks = await rows.OrderByDescending(u => u.TappedAt).ThenByDescending(u => u.Id).Take(keyset.Fetch).ToListAsync(ct);
        await UnlockTracker.RefreshAsync(context, unlocks, ct);
        foreach (var u in unlocks)
        {
            var resend = u.TapKind == UnlockResender.ResendKind;
            var state = UnlockEndpoints.StateName(u.State);
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"{(resend ? "Resend of" : "Pack")} {u.PackDate:yyyy-MM-dd} ({u.Scope}) #{u.Sequence}: {state}, {u.ItemCount} item(s)")
                + (u.FailureReason is null ? "" : " — " + u.FailureReason);
            keyset.Add(u.TappedAt, Unlocks, u.Id, new TimelineEntry(u.TappedAt, "unlock", summary, state, resend ? null : u.TapMessageId, null, new
            {
                unlockId = u.Id, packId = u.PackId, packDate = u.PackDate, scope = u.Scope, sequence = u.Sequence, tapKind = u.TapKind, resolvedBy = u.ResolvedBy,
                items = u.ItemCount, skippedItems = u.SkippedItems, firstAcceptedAt = u.FirstAcceptedAt, deliveredAt = u.DeliveredAt, finishedAt = u.FinishedAt,
                failureReason = u.FailureReason, groupKey = u.GroupKey,
            }));
        }
    }

    /// <summary>The scheduler's daily-template decisions (kind <c>daily_send</c>): queued for a date, or skipped and why.</summary>
    private static async Task AddDailySendsAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<DailySend>().AsNoTracking().Where(s => s.Phone == phone);
        if (keyset.Before(DailySends) is var (at, id))
        {
            rows = rows.Where(s => s.CreatedAt <= at && (s.CreatedAt < at || s.Id < id));
        }

        var sends = await rows.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Take(keyset.Fetch).ToListAsync(ct);
        foreach (var s in sends)
        {
            var state = s.State == DailySendState.Queued ? "queued" : "skipped";
            var summary = "Daily template for " + s.LocalDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ": "
                + (s.State == DailySendState.Queued ? "queued" : "skipped (" + (s.Reason ?? "no reason") + ")");
            keyset.Add(s.CreatedAt, DailySends, s.Id, new TimelineEntry(s.CreatedAt, "daily_send", summary, state, null, null,
                new { localDate = s.LocalDate, packId = s.PackId, reason = s.Reason, outboxKey = s.OutboxKey }));
        }
    }

    /// <summary>The agent's turns (kind <c>agent</c>): what it understood and what it did.</summary>
    private static async Task AddAgentTurnsAsync(HubixDbContext context, string phone, TimeKeyset<TimelineEntry> keyset, CancellationToken ct)
    {
        var rows = context.Set<ConversationTurn>().AsNoTracking().Where(t => t.Phone == phone);
        if (keyset.Before(AgentTurns) is var (at, id))
        {
            rows = rows.Where(t => t.At <= at && (t.At < at || t.Id < id));
        }

        var turns = await rows.OrderByDescending(t => t.At).ThenByDescending(t => t.Id).Take(keyset.Fetch).ToListAsync(ct);
        foreach (var t in turns)
        {
            keyset.Add(t.At, AgentTurns, t.Id, new TimelineEntry(t.At, "agent", t.Role + ": " + (t.Intent ?? "?") + (t.Note is null ? "" : " (" + t.Note + ")"),
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

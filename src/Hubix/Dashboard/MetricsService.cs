using Hubix.Advisors;
using Hubix.Agent;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// Computes <see cref="MetricsResponse"/> for a range of local days (in the dashboard's zone). The outbox, advanced by the
/// statuses in the CRM log, and the inbound log give the funnel from template to pack; the Unlocks table, the advisors'
/// hand-offs, the consent ledger and the agent's turns add what only they know.
/// </summary>
public sealed class MetricsService(HubixDb db, IOptions<DashboardOptions> options)
{
    /// <summary>How long after a tap its pack may start, to count as that tap's pack.</summary>
    private static readonly TimeSpan PackMatchWindow = TimeSpan.FromMinutes(30);

    public async Task<MetricsResponse> ComputeAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        var range = new DayRange(from, to, options.Value.Zone());
        var start = range.StartUtc;
        var end = range.EndUtc;
        await using var context = db.CreateDbContext();

        // Packs may start a little after the range's end (a tap at 23:59); load a margin.
        var messages = await Tracking.LoadAsync(context, context.Set<OutboxMessage>().Where(o => o.CreatedAt >= start && o.CreatedAt < end + PackMatchWindow), ct);
        var inRange = messages.Where(m => m.CreatedAt < end).ToList();
        CountOutboundByPurpose(range, inRange);
        RateDeliveries(range, inRange);
        CountPacksFromGroups(range, inRange);

        var inbound = await LoadInboundAsync(context, range, ct);
        CountTaps(range, inbound, messages);
        MeasureTapToPack(range, inbound, messages);
        CountChats(range, inbound);

        // After the outbox's figures: where the Unlocks table has the day, it knows better.
        await CountPacksFromUnlocksAsync(context, range, ct);
        await CountHandoffsAsync(context, range, ct);
        await CountConsentAsync(context, range, ct);
        await CountAgentAnswersByIntentAsync(context, range, ct);

        foreach (var day in range.Days.Values)
        {
            day.Templates.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }

        return new MetricsResponse(from, to, options.Value.TimeZone, range.Days.Values.ToList(), Failures(inRange));
    }

    /// <summary>Templates (per name and in total), pack content, agent answers and operator replies, by the day they were queued.</summary>
    private static void CountOutboundByPurpose(DayRange range, List<TrackedMessage> inRange)
    {
        foreach (var m in inRange)
        {
            var day = range.DayOf(m.CreatedAt)!;
            switch (m.Purpose)
            {
                case "daily":
                    Tracking.Count(TemplateOf(day, m.TemplateName ?? "(unnamed)").Messages, m);
                    Tracking.Count(day.TemplateTotals, m);
                    break;
                case "unlock":
                    Tracking.Count(day.Content, m);
                    break;
                case "agent":
                    Tracking.Count(day.AgentMessages, m);
                    day.AgentAnswers++;
                    break;
                case "operator":
                    Tracking.Count(day.OperatorMessages, m);
                    break;
                default:
                    break;
            }
        }
    }

    private static TemplateMetrics TemplateOf(DayMetrics day, string name)
    {
        var t = day.Templates.Find(x => x.Name == name);
        if (t is null)
        {
            t = new TemplateMetrics { Name = name };
            day.Templates.Add(t);
        }

        return t;
    }

    private static void RateDeliveries(DayRange range, List<TrackedMessage> inRange)
    {
        var byDay = inRange.ToLookup(m => LocalDay.Of(m.CreatedAt, range.Zone));
        foreach (var (date, day) in range.Days)
        {
            var left = byDay[date].Count(m => m.LeftQueue);
            day.DeliverySuccessRate = left == 0 ? null : Math.Round((double)byDay[date].Count(m => m.IsDelivered) / left, 4);
        }
    }

    /// <summary>Packs as the outbox sees them: one group of unlock messages each, on the day its first message was queued.</summary>
    private static void CountPacksFromGroups(DayRange range, List<TrackedMessage> inRange)
    {
        foreach (var group in inRange.Where(m => m.Purpose == "unlock" && m.GroupKey is not null).GroupBy(m => m.GroupKey!, StringComparer.Ordinal))
        {
            var packs = range.DayOf(group.Min(m => m.CreatedAt))!.Packs;
            var all = group.Count();
            var delivered = group.Count(m => m.IsDelivered);
            var failed = group.Count(m => m.IsFailed);
            if (delivered == all)
            {
                packs.Delivered++;
            }
            else if (failed == all)
            {
                packs.Failed++;
            }
            else if (failed > 0)
            {
                packs.Partial++;
            }
            else
            {
                packs.InProgress++;
            }
        }
    }

    private sealed record InboundRow(string? Phone, string Type, DateTime At, DateTime RecordedAt, string? Context);

    /// <summary>The advisors' messages and taps in the range, by local day.</summary>
    private static async Task<ILookup<DateOnly, InboundRow>> LoadInboundAsync(HubixDbContext context, DayRange range, CancellationToken ct)
    {
        var start = range.StartUtc;
        var end = range.EndUtc;
        var rows = await context.Set<Interaction>().AsNoTracking()
            .Where(i => i.Direction == "in" && i.At >= start && i.At < end)
            .Select(i => new InboundRow(i.Phone, i.Type, i.At, i.RecordedAt, i.Context))
            .ToListAsync(ct);
        return rows.ToLookup(i => LocalDay.Of(i.At, range.Zone));
    }

    /// <summary>Taps per day and per template (the template a tap answers is the one whose wamid is the tap's context).</summary>
    private static void CountTaps(DayRange range, ILookup<DateOnly, InboundRow> inbound, List<TrackedMessage> messages)
    {
        var templateByWamid = messages.Where(m => m.Purpose == "daily" && m.WaMessageId is not null)
            .GroupBy(m => m.WaMessageId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().TemplateName ?? "(unnamed)", StringComparer.Ordinal);
        foreach (var byDay in inbound)
        {
            if (!range.Days.TryGetValue(byDay.Key, out var day))
            {
                continue;
            }

            var taps = byDay.Where(i => Interaction.TapTypes.Contains(i.Type)).ToList();
            day.Taps = taps.Count;
            day.UniqueTappers = taps.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
            day.TapRate = day.TemplateTotals.Delivered == 0 ? null : Math.Round((double)day.UniqueTappers / day.TemplateTotals.Delivered, 4);
            foreach (var perTemplate in taps.GroupBy(i => i.Context is not null && templateByWamid.TryGetValue(i.Context, out var n) ? n : null))
            {
                if (perTemplate.Key is null)
                {
                    continue;
                }

                var t = TemplateOf(day, perTemplate.Key);
                t.Taps = perTemplate.Count();
                t.UniqueTappers = perTemplate.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
                t.TapRate = t.Messages.Delivered == 0 ? null : Math.Round((double)t.UniqueTappers / t.Messages.Delivered, 4);
            }
        }
    }

    /// <summary>Tap → first pack message accepted, and tap → whole pack delivered, matching each tap to its pack in the outbox.</summary>
    private static void MeasureTapToPack(DayRange range, ILookup<DateOnly, InboundRow> inbound, List<TrackedMessage> messages)
    {
        var unlockByPhone = messages.Where(m => m.Purpose == "unlock").ToLookup(m => m.Recipient, StringComparer.Ordinal);
        foreach (var (date, day) in range.Days)
        {
            var firstContent = new List<double>();
            var packDone = new List<double>();
            foreach (var tap in inbound[date].Where(i => Interaction.TapTypes.Contains(i.Type) && i.Phone is not null))
            {
                if (PackOf(unlockByPhone[tap.Phone!], tap.RecordedAt) is not { } pack)
                {
                    continue;
                }

                var accepted = pack.Where(m => m.AcceptedAt is not null).Select(m => m.AcceptedAt!.Value).DefaultIfEmpty().Min();
                if (accepted != default)
                {
                    firstContent.Add(Math.Max(0, (accepted - tap.At).TotalSeconds));
                }

                if (pack.All(m => m.IsDelivered))
                {
                    var done = pack.Max(m => m.DeliveredAt ?? m.ReadAt)!.Value;
                    packDone.Add(Math.Max(0, (done - tap.At).TotalSeconds));
                }
            }

            day.TapToFirstContentAccepted = LatencyStats.From(firstContent);
            day.TapToPackDelivered = LatencyStats.From(packDone);
        }
    }

    /// <summary>The pack a tap caused: the first unlock group for that phone created while the tap was processed.</summary>
    private static List<TrackedMessage>? PackOf(IEnumerable<TrackedMessage> unlocks, DateTime tapRecordedAt)
    {
        var first = unlocks.Where(m => m.CreatedAt >= tapRecordedAt.AddSeconds(-1) && m.CreatedAt <= tapRecordedAt + PackMatchWindow)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).FirstOrDefault();
        return first is null ? null
            : first.GroupKey is null ? [first]
            : unlocks.Where(m => m.GroupKey == first.GroupKey).ToList();
    }

    private static void CountChats(DayRange range, ILookup<DateOnly, InboundRow> inbound)
    {
        foreach (var byDay in inbound)
        {
            if (!range.Days.TryGetValue(byDay.Key, out var day))
            {
                continue;
            }

            var chats = byDay.Where(i => !Interaction.TapTypes.Contains(i.Type)).ToList();
            day.InboundMessages = chats.Count;
            day.Chats = chats.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
        }
    }

    /// <summary>
    /// Packs and the tap → pack latencies from the Unlocks table, by the tap's day; resends count as packs but not as taps.
    /// A day without unlocks keeps what the outbox gave (packs enqueued by something else, or seeded data).
    /// </summary>
    private static async Task CountPacksFromUnlocksAsync(HubixDbContext context, DayRange range, CancellationToken ct)
    {
        var start = range.StartUtc;
        var end = range.EndUtc;
        var unlocks = await context.Set<UnlockRecord>().AsNoTracking().Where(u => u.TappedAt >= start && u.TappedAt < end).ToListAsync(ct);
        if (unlocks.Count == 0)
        {
            return;
        }

        // Up to date even if a delivery event was lost (in memory only: a GET writes nothing).
        await UnlockTracker.RefreshAsync(context, unlocks, ct);
        foreach (var byDay in unlocks.GroupBy(u => LocalDay.Of(u.TappedAt, range.Zone)))
        {
            if (!range.Days.TryGetValue(byDay.Key, out var day))
            {
                continue;
            }

            day.Packs = new PackCounts
            {
                Delivered = byDay.Count(u => u.State == UnlockState.Delivered),
                Partial = byDay.Count(u => u.State == UnlockState.Partial),
                Failed = byDay.Count(u => u.State == UnlockState.Failed),
                InProgress = byDay.Count(u => u.State == UnlockState.Delivering),
            };
            var taps = byDay.Where(u => u.TapKind != UnlockResender.ResendKind).ToList();
            day.TapToFirstContentAccepted = LatencyStats.From(
                taps.Where(u => u.FirstAcceptedAt is not null).Select(u => Seconds(u.TappedAt, u.FirstAcceptedAt!.Value)).ToList());
            day.TapToPackDelivered = LatencyStats.From(
                taps.Where(u => u.State == UnlockState.Delivered && u.DeliveredAt is not null).Select(u => Seconds(u.TappedAt, u.DeliveredAt!.Value)).ToList());
        }
    }

    // Meta's tap timestamp has whole seconds, our acceptance time does not: never below zero.
    private static double Seconds(DateTime from, DateTime to) => Math.Max(0, (to - from).TotalSeconds);

    /// <summary>
    /// Hand-offs opened: the advisor row keeps only each advisor's latest, the agent's reply turns have the full history;
    /// a day shows the larger of the two.
    /// </summary>
    private static async Task CountHandoffsAsync(HubixDbContext context, DayRange range, CancellationToken ct)
    {
        var start = range.StartUtc;
        var end = range.EndUtc;
        var latest = await context.Set<Advisor>().AsNoTracking().Where(a => a.HandoffAt >= start && a.HandoffAt < end).Select(a => a.HandoffAt!.Value).ToListAsync(ct);
        foreach (var at in latest)
        {
            range.DayOf(at)!.Handoffs++;
        }

        var opened = await context.Set<ConversationTurn>().AsNoTracking()
            .Where(t => t.Role == AgentTurn.AgentRole && t.Note == "handoff_opened" && t.At >= start && t.At < end).Select(t => t.At).ToListAsync(ct);
        foreach (var byDay in opened.GroupBy(range.DayOf))
        {
            if (byDay.Key is { } day)
            {
                day.Handoffs = Math.Max(day.Handoffs, byDay.Count());
            }
        }
    }

    /// <summary>Opt-outs and opt-ins from the consent ledger, by the change's own time.</summary>
    private static async Task CountConsentAsync(HubixDbContext context, DayRange range, CancellationToken ct)
    {
        var start = range.StartUtc;
        var end = range.EndUtc;
        var events = await context.Set<ConsentEvent>().AsNoTracking().Where(e => e.At >= start && e.At < end).Select(e => new { e.At, e.Status }).ToListAsync(ct);
        foreach (var e in events)
        {
            if (range.DayOf(e.At) is not { } day)
            {
                continue;
            }

            if (e.Status == AdvisorStatus.OptedOut)
            {
                day.OptOuts++;
            }
            else
            {
                day.OptIns++;
            }
        }
    }

    /// <summary>The agent's reply turns by intent (<see cref="DayMetrics.AgentAnswers"/> counts its outbox messages instead).</summary>
    private static async Task CountAgentAnswersByIntentAsync(HubixDbContext context, DayRange range, CancellationToken ct)
    {
        var start = range.StartUtc;
        var end = range.EndUtc;
        var replies = await context.Set<ConversationTurn>().AsNoTracking()
            .Where(t => t.Role == AgentTurn.AgentRole && t.At >= start && t.At < end).Select(t => new { t.At, t.Intent }).ToListAsync(ct);
        foreach (var r in replies)
        {
            if (range.DayOf(r.At) is { } day)
            {
                var intent = r.Intent ?? AgentIntents.Unknown;
                day.AgentAnswersByIntent[intent] = day.AgentAnswersByIntent.GetValueOrDefault(intent) + 1;
            }
        }
    }

    /// <summary>Failed messages of the range by Meta error code, most frequent first, with the catalog's explanation.</summary>
    private static List<FailureRow> Failures(List<TrackedMessage> inRange) =>
        inRange.Where(m => m.IsFailed).GroupBy(m => m.ErrorCode).Select(g =>
        {
            var d = g.Key is { } code ? ErrorCatalog.Describe(code) : new ErrorDescription(
                "Not sent", "The message failed without an error code from Meta (for example it expired: " + (g.First().ErrorReason ?? "no reason") + ").", "See the message's reason in the advisor's timeline.");
            return new FailureRow(g.Key, g.Count(), d.Title, d.Meaning, d.Action,
                g.Select(m => m.Purpose).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), g.Max(m => m.FailedAt ?? m.CreatedAt));
        }).OrderByDescending(f => f.Count).ToList();

    /// <summary>The local days asked for, each with its figures, and their bounds in UTC.</summary>
    private sealed class DayRange
    {
        public DayRange(DateOnly from, DateOnly to, TimeZoneInfo zone)
        {
            Zone = zone;
            StartUtc = LocalDay.StartUtc(from, zone);
            EndUtc = LocalDay.StartUtc(to.AddDays(1), zone);
            for (var d = from; d <= to; d = d.AddDays(1))
            {
                Days[d] = new DayMetrics { Date = d };
            }
        }

        public TimeZoneInfo Zone { get; }
        public SortedDictionary<DateOnly, DayMetrics> Days { get; } = new();

        /// <summary>Start of the first day (inclusive).</summary>
        public DateTime StartUtc { get; }

        /// <summary>End of the last day (exclusive).</summary>
        public DateTime EndUtc { get; }

        /// <summary>The day of a UTC instant; null when outside the range.</summary>
        public DayMetrics? DayOf(DateTime utc) => Days.GetValueOrDefault(LocalDay.Of(utc, Zone));
    }
}

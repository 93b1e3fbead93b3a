using System.Text.Json;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>Counts of one kind of outbound message.</summary>
public sealed class MessageCounts
{
    public int Queued { get; set; }
    public int Sent { get; set; }
    public int Delivered { get; set; }
    public int Read { get; set; }
    public int Failed { get; set; }

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

/// <summary>Median and 95th percentile of a duration, in seconds, over <see cref="Count"/> samples.</summary>
public sealed record LatencyStats(int Count, double? MedianSeconds, double? P95Seconds)
{
    public static LatencyStats From(List<double> seconds)
    {
        if (seconds.Count == 0)
        {
            return new LatencyStats(0, null, null);
        }

        seconds.Sort();
        return new LatencyStats(seconds.Count, Math.Round(Percentile(seconds, 0.5), 3), Math.Round(Percentile(seconds, 0.95), 3));
    }

    /// <summary>Nearest-rank percentile (a value that occurred, no interpolation).</summary>
    public static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>Everything about one local day. Contributors (<see cref="IMetricsContributor"/>) may set any field.</summary>
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

    /// <summary>Packs by outcome. Derived from the outbox's unlock groups until the Unlock feature contributes its own.</summary>
    public PackCounts Packs { get; set; } = new();

    /// <summary>Pack messages (outbox purpose <c>unlock</c>).</summary>
    public MessageCounts Content { get; set; } = new();

    /// <summary>Agent answers (purpose <c>agent</c>).</summary>
    public MessageCounts AgentMessages { get; set; } = new();

    /// <summary>Operator replies (purpose <c>operator</c>).</summary>
    public MessageCounts OperatorMessages { get; set; } = new();

    /// <summary>Delivered (or read) ÷ messages that left the queue (sent, delivered, read or failed); null when none did.</summary>
    public double? DeliverySuccessRate { get; set; }

    public LatencyStats TapToFirstContentAccepted { get; set; } = new(0, null, null);
    public LatencyStats TapToPackDelivered { get; set; } = new(0, null, null);

    /// <summary>Advisors who sent anything but a tap (text, media...).</summary>
    public int Chats { get; set; }

    public int InboundMessages { get; set; }
    public int AgentAnswers { get; set; }
    public Dictionary<string, int> AgentAnswersByIntent { get; set; } = [];
    public int Handoffs { get; set; }
    public int OptOuts { get; set; }
    public int OptIns { get; set; }
}

/// <summary>One Meta error code over the range, with the catalog's words for the failures table.</summary>
public sealed record FailureRow(int? Code, int Count, string Title, string Meaning, string Action, IReadOnlyList<string> Purposes, DateTime LastAt);

public sealed record MetricsResponse(DateOnly From, DateOnly To, string TimeZone, IReadOnlyList<DayMetrics> Days, IReadOnlyList<FailureRow> Failures);

/// <summary>An outbound message with its best-known state: the outbox row, advanced by status webhooks in the CRM log.</summary>
internal sealed record TrackedMessage(
    long Id, string Recipient, string Kind, string Purpose, string? TemplateName, string? GroupKey, int Position, DateTime CreatedAt,
    DateTime? AcceptedAt, DateTime? SentAt, DateTime? DeliveredAt, DateTime? ReadAt, DateTime? FailedAt, int? ErrorCode, string? ErrorReason,
    string? WaMessageId, OutboxState RowState)
{
    public bool IsSent => SentAt is not null || DeliveredAt is not null || ReadAt is not null;
    public bool IsDelivered => DeliveredAt is not null || ReadAt is not null;
    public bool IsRead => ReadAt is not null;
    public bool IsFailed => FailedAt is not null && !IsDelivered;
    public bool LeftQueue => IsSent || IsFailed || AcceptedAt is not null;

    public string State => IsFailed ? "failed" : IsRead ? "read" : IsDelivered ? "delivered" : IsSent ? "sent"
        : AcceptedAt is not null ? "accepted" : RowState == OutboxState.Sending ? "sending" : "queued";
}

/// <summary>Reads outbox rows and merges the statuses Meta reported for them (by wamid or by our callback id).</summary>
internal static class Tracking
{
    public static async Task<List<TrackedMessage>> LoadAsync(HubixDbContext db, IQueryable<OutboxMessage> rows, CancellationToken ct)
    {
        var list = await rows.AsNoTracking().Select(o => new
        {
            o.Id, o.Recipient, o.Kind, o.Purpose, Payload = o.Kind == "template" ? o.Payload : null, o.GroupKey, o.Position, o.CreatedAt,
            o.AcceptedAt, o.SentAt, o.DeliveredAt, o.ReadAt, o.FailedAt, o.ErrorCode, o.ErrorReason, o.WaMessageId, o.State,
        }).ToListAsync(ct);

        // Statuses in the CRM log, for rows whose tracking the delivery engine has not applied (or not yet).
        var wamids = list.Where(o => o.WaMessageId is not null).Select(o => o.WaMessageId!).Distinct(StringComparer.Ordinal).ToList();
        var statuses = new List<(string? WaMessageId, string? Context, string Type, DateTime At, int? ErrorCode, string? ErrorDetails)>();
        foreach (var chunk in wamids.Chunk(500))
        {
            var found = await db.Set<Interaction>().AsNoTracking()
                .Where(i => i.Direction == "status" && i.WaMessageId != null && chunk.Contains(i.WaMessageId))
                .Select(i => new { i.WaMessageId, i.Context, i.Type, i.At, i.ErrorCode, i.ErrorDetails }).ToListAsync(ct);
            statuses.AddRange(found.Select(f => (f.WaMessageId, f.Context, f.Type, f.At, f.ErrorCode, f.ErrorDetails)));
        }

        var byWamid = statuses.ToLookup(s => s.WaMessageId, StringComparer.Ordinal);
        var result = new List<TrackedMessage>(list.Count);
        foreach (var o in list)
        {
            DateTime? sent = o.SentAt ?? (o.State is OutboxState.Sent or OutboxState.Delivered or OutboxState.Read ? o.AcceptedAt ?? o.CreatedAt : null);
            DateTime? delivered = o.DeliveredAt ?? (o.State is OutboxState.Delivered or OutboxState.Read ? sent : null);
            DateTime? read = o.ReadAt ?? (o.State == OutboxState.Read ? delivered : null);
            DateTime? failed = o.FailedAt ?? (o.State == OutboxState.Failed ? o.CreatedAt : null);
            var code = o.ErrorCode;
            var reason = o.ErrorReason;
            if (o.WaMessageId is not null)
            {
                foreach (var s in byWamid[o.WaMessageId])
                {
                    switch (s.Type)
                    {
                        case "sent": sent = Min(sent, s.At); break;
                        case "delivered": delivered = Min(delivered, s.At); sent ??= s.At; break;
                        case "read": read = Min(read, s.At); delivered ??= s.At; sent ??= s.At; break;
                        case "failed":
                            failed ??= s.At;
                            code ??= s.ErrorCode;
                            reason ??= s.ErrorDetails;
                            break;
                        default: break;
                    }
                }
            }

            result.Add(new TrackedMessage(
                o.Id, o.Recipient, o.Kind, o.Purpose, o.Payload is null ? null : TemplateName(o.Payload), o.GroupKey, o.Position, o.CreatedAt,
                o.AcceptedAt, sent, delivered, read, failed, code, reason, o.WaMessageId, o.State));
        }

        return result;
    }

    private static DateTime? Min(DateTime? a, DateTime b) => a is null || b < a ? b : a;

    /// <summary><c>template.name</c> of a template request body.</summary>
    public static string? TemplateName(string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            return doc.RootElement.TryGetProperty("template", out var t) && t.TryGetProperty("name", out var n) ? n.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What a person would read in an outbound message: text body, caption, template name, interactive body.</summary>
    public static string? Text(string kind, string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (!root.TryGetProperty(kind, out var body))
            {
                return null;
            }

            return kind switch
            {
                "text" => Str(body, "body"),
                "image" or "video" => Str(body, "caption") ?? "[" + kind + "]",
                "document" => Str(body, "caption") ?? Str(body, "filename") ?? "[document]",
                "template" => "[template " + Str(body, "name") + "]",
                "interactive" => body.TryGetProperty("body", out var ib) ? Str(ib, "text") : "[interactive]",
                _ => "[" + kind + "]",
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static void Count(MessageCounts c, TrackedMessage m)
    {
        c.Queued++;
        if (m.IsSent)
        {
            c.Sent++;
        }

        if (m.IsDelivered)
        {
            c.Delivered++;
        }

        if (m.IsRead)
        {
            c.Read++;
        }

        if (m.IsFailed)
        {
            c.Failed++;
            var key = m.ErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
            c.FailedByCode[key] = c.FailedByCode.GetValueOrDefault(key) + 1;
        }
    }
}

/// <summary>Computes <see cref="MetricsResponse"/> for a range of local days.</summary>
public sealed class MetricsService(HubixDb db, IOptions<DashboardOptions> options, IEnumerable<IMetricsContributor> contributors)
{
    public static readonly string[] TapTypes = ["button", "button_reply"];

    /// <summary>How long after a tap its pack may start, to count as that tap's pack.</summary>
    private static readonly TimeSpan PackMatchWindow = TimeSpan.FromMinutes(30);

    public async Task<MetricsResponse> ComputeAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        var zone = options.Value.Zone();
        var days = new SortedDictionary<DateOnly, DayMetrics>();
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            days[d] = new DayMetrics { Date = d };
        }

        await using var context = db.CreateDbContext();
        var metricsContext = new MetricsContext(context, from, to, zone, days);
        var start = metricsContext.StartUtc;
        var end = metricsContext.EndUtc;

        // Packs may start a little after the range's end (a tap at 23:59); load a margin.
        var messages = await Tracking.LoadAsync(context, context.Set<OutboxMessage>().Where(o => o.CreatedAt >= start && o.CreatedAt < end + PackMatchWindow), ct);
        var inRange = messages.Where(m => m.CreatedAt < end).ToList();
        var templateByWamid = messages.Where(m => m.Purpose == "daily" && m.WaMessageId is not null)
            .GroupBy(m => m.WaMessageId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().TemplateName ?? "(unnamed)", StringComparer.Ordinal);

        foreach (var m in inRange)
        {
            var day = metricsContext.DayOf(m.CreatedAt)!;
            switch (m.Purpose)
            {
                case "daily":
                    var name = m.TemplateName ?? "(unnamed)";
                    var t = day.Templates.Find(x => x.Name == name);
                    if (t is null)
                    {
                        t = new TemplateMetrics { Name = name };
                        day.Templates.Add(t);
                    }

                    Tracking.Count(t.Messages, m);
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

        foreach (var (date, day) in days)
        {
            var mine = inRange.Where(m => LocalDay.Of(m.CreatedAt, zone) == date).ToList();
            var left = mine.Count(m => m.LeftQueue);
            day.DeliverySuccessRate = left == 0 ? null : Math.Round((double)mine.Count(m => m.IsDelivered) / left, 4);
        }

        // Packs: one outbox group of unlock messages each.
        foreach (var group in inRange.Where(m => m.Purpose == "unlock" && m.GroupKey is not null).GroupBy(m => m.GroupKey!, StringComparer.Ordinal))
        {
            var day = metricsContext.DayOf(group.Min(m => m.CreatedAt))!;
            var all = group.Count();
            var delivered = group.Count(m => m.IsDelivered);
            var failed = group.Count(m => m.IsFailed);
            if (delivered == all)
            {
                day.Packs.Delivered++;
            }
            else if (failed == all)
            {
                day.Packs.Failed++;
            }
            else if (failed > 0)
            {
                day.Packs.Partial++;
            }
            else
            {
                day.Packs.InProgress++;
            }
        }

        // Taps, chats.
        var inbound = await context.Set<Interaction>().AsNoTracking()
            .Where(i => i.Direction == "in" && i.At >= start && i.At < end)
            .Select(i => new { i.Phone, i.Type, i.At, i.RecordedAt, i.Context })
            .ToListAsync(ct);
        var unlockByPhone = messages.Where(m => m.Purpose == "unlock").ToLookup(m => m.Recipient, StringComparer.Ordinal);
        var firstContent = days.Keys.ToDictionary(d => d, _ => new List<double>());
        var packDone = days.Keys.ToDictionary(d => d, _ => new List<double>());
        foreach (var byDay in inbound.GroupBy(i => LocalDay.Of(i.At, zone)))
        {
            if (!days.TryGetValue(byDay.Key, out var day))
            {
                continue;
            }

            var taps = byDay.Where(i => TapTypes.Contains(i.Type)).ToList();
            day.Taps = taps.Count;
            day.UniqueTappers = taps.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
            day.TapRate = day.TemplateTotals.Delivered == 0 ? null : Math.Round((double)day.UniqueTappers / day.TemplateTotals.Delivered, 4);
            foreach (var perTemplate in taps.GroupBy(i => i.Context is not null && templateByWamid.TryGetValue(i.Context, out var n) ? n : null))
            {
                if (perTemplate.Key is null)
                {
                    continue;
                }

                var t = day.Templates.Find(x => x.Name == perTemplate.Key);
                if (t is null)
                {
                    t = new TemplateMetrics { Name = perTemplate.Key };
                    day.Templates.Add(t);
                }

                t.Taps = perTemplate.Count();
                t.UniqueTappers = perTemplate.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
                t.TapRate = t.Messages.Delivered == 0 ? null : Math.Round((double)t.UniqueTappers / t.Messages.Delivered, 4);
            }

            foreach (var tap in taps.Where(t => t.Phone is not null))
            {
                // The pack this tap caused: the first unlock group for that phone created while processing it.
                var pack = unlockByPhone[tap.Phone!]
                    .Where(m => m.CreatedAt >= tap.RecordedAt.AddSeconds(-1) && m.CreatedAt <= tap.RecordedAt + PackMatchWindow)
                    .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).FirstOrDefault();
                if (pack is null)
                {
                    continue;
                }

                var group = pack.GroupKey is null ? new List<TrackedMessage> { pack } : unlockByPhone[tap.Phone!].Where(m => m.GroupKey == pack.GroupKey).ToList();
                var accepted = group.Where(m => m.AcceptedAt is not null).Select(m => m.AcceptedAt!.Value).DefaultIfEmpty().Min();
                if (accepted != default)
                {
                    firstContent[byDay.Key].Add(Math.Max(0, (accepted - tap.At).TotalSeconds));
                }

                if (group.All(m => m.IsDelivered))
                {
                    var done = group.Max(m => m.DeliveredAt ?? m.ReadAt)!.Value;
                    packDone[byDay.Key].Add(Math.Max(0, (done - tap.At).TotalSeconds));
                }
            }

            var chats = byDay.Where(i => !TapTypes.Contains(i.Type)).ToList();
            day.InboundMessages = chats.Count;
            day.Chats = chats.Select(i => i.Phone).Distinct(StringComparer.Ordinal).Count();
        }

        foreach (var (date, day) in days)
        {
            day.TapToFirstContentAccepted = LatencyStats.From(firstContent[date]);
            day.TapToPackDelivered = LatencyStats.From(packDone[date]);
            day.Templates.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }

        // Handoffs opened (the advisor row keeps the latest); the Agent feature can contribute the full history.
        var handoffs = await context.Set<Advisor>().AsNoTracking().Where(a => a.HandoffAt >= start && a.HandoffAt < end).Select(a => a.HandoffAt!.Value).ToListAsync(ct);
        foreach (var at in handoffs)
        {
            metricsContext.DayOf(at)!.Handoffs++;
        }

        foreach (var contributor in contributors)
        {
            await contributor.ContributeAsync(metricsContext, ct);
        }

        var failures = inRange.Where(m => m.IsFailed).GroupBy(m => m.ErrorCode).Select(g =>
        {
            var d = g.Key is { } code ? ErrorCatalog.Describe(code) : new ErrorDescription(
                "Not sent", "The message failed without an error code from Meta (for example it expired: " + (g.First().ErrorReason ?? "no reason") + ").", "See the message's reason in the advisor's timeline.");
            return new FailureRow(g.Key, g.Count(), d.Title, d.Meaning, d.Action,
                g.Select(m => m.Purpose).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), g.Max(m => m.FailedAt ?? m.CreatedAt));
        }).OrderByDescending(f => f.Count).ToList();

        return new MetricsResponse(from, to, options.Value.TimeZone, days.Values.ToList(), failures);
    }
}

using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>One message in a conversation, in or out.</summary>
/// <param name="Direction"><c>in</c> (from the advisor) or <c>out</c> (from us).</param>
/// <param name="Kind">text, button, image, template...; for <c>out</c>, the outbox kind.</param>
/// <param name="Purpose">For <c>out</c>: agent, operator, unlock.</param>
/// <param name="State">For <c>out</c>: queued, sending, accepted, sent, delivered, read, failed.</param>
public sealed class ConversationMessage
{
    public required string Direction { get; init; }
    public required string Kind { get; init; }
    public string? Text { get; set; }
    public DateTime At { get; init; }
    public string? WaMessageId { get; init; }
    public long? OutboxId { get; init; }
    public string? Purpose { get; init; }
    public string? State { get; init; }
    public int? ErrorCode { get; init; }

    /// <summary>Agent intent (filled by the Agent feature's <see cref="IConversationEnricher"/>).</summary>
    public string? Intent { get; set; }

    /// <summary>Content the agent's answer drew on (filled by the Agent feature).</summary>
    public IReadOnlyList<string>? Sources { get; set; }

    /// <summary>For <c>out</c>: milliseconds from the advisor's previous message to this one being queued (the Agent feature may set its own).</summary>
    public long? LatencyMs { get; set; }
}

/// <param name="WindowOpenUntil">End of the customer-service window (24 h after the advisor's last message), or null.</param>
public sealed record ConversationDto(
    string Phone, string? Name, DateTime LastAt, bool HandoffOpen, DateTime? HandoffAt, DateTime? WindowOpenUntil, bool WindowOpen,
    IReadOnlyList<ConversationMessage> Messages);

/// <param name="NextCursor">Pass as <c>cursor</c> for the next (older) page; null on the last page.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationDto> Items, string? NextCursor);

/// <summary>One thing in an advisor's history.</summary>
/// <param name="Kind">template, tap, message_in, message_out, status, event, or a feature's own (unlock, consent, agent).</param>
public sealed record TimelineEntry(DateTime At, string Kind, string? Summary, string? State, string? WaMessageId, int? ErrorCode, object? Data = null);

public sealed record AdvisorTimeline(
    string Phone, string? Name, string? Status, bool Known, DateTime? LastInboundAt, bool HandoffOpen, DateTime? WindowOpenUntil, IReadOnlyList<TimelineEntry> Entries);

/// <summary>Conversations (keyset-paged) and advisor timelines, from the CRM log and the outbox.</summary>
public sealed class ConversationService(
    HubixDb db, TimeProvider time, IEnumerable<IConversationEnricher> enrichers, IEnumerable<ITimelineContributor> timelineContributors)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private static readonly string[] ConversationPurposes = ["agent", "operator", "unlock"];
    private const int MessagesPerConversation = 50;

    /// <param name="chatsOnly">Only advisors who wrote something other than a tap; ordered by their last such message.</param>
    public async Task<ConversationPage> ListAsync(string? phone, bool? handoff, string? cursor, int limit, CancellationToken ct, bool chatsOnly = false)
    {
        limit = Math.Clamp(limit, 1, 100);
        await using var context = db.CreateDbContext();
        var inbound = context.Set<Interaction>().AsNoTracking().Where(i => i.Direction == "in" && i.Phone != null);
        if (chatsOnly)
        {
            inbound = inbound.Where(i => !MetricsService.TapTypes.Contains(i.Type));
        }

        var threads = inbound
            .GroupBy(i => i.Phone!)
            .Select(g => new { Phone = g.Key, LastAt = g.Max(i => i.At) });
        if (!string.IsNullOrEmpty(phone))
        {
            threads = threads.Where(t => t.Phone == phone);
        }

        if (handoff is { } h)
        {
            var open = await context.Set<Advisor>().AsNoTracking().Where(a => a.HandoffOpen).Select(a => a.Phone).ToListAsync(ct);
            threads = h ? threads.Where(t => open.Contains(t.Phone)) : threads.Where(t => !open.Contains(t.Phone));
        }

        if (DecodeCursor(cursor) is var (cursorAt, cursorPhone))
        {
            threads = threads.Where(t => t.LastAt < cursorAt || (t.LastAt == cursorAt && t.Phone.CompareTo(cursorPhone) < 0));
        }

        var page = await threads.OrderByDescending(t => t.LastAt).ThenByDescending(t => t.Phone).Take(limit + 1).ToListAsync(ct);
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        var phones = page.Select(p => p.Phone).ToList();
        var advisors = await context.Set<Advisor>().AsNoTracking().Where(a => phones.Contains(a.Phone)).ToDictionaryAsync(a => a.Phone, StringComparer.Ordinal, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var items = new List<ConversationDto>(page.Count);
        var all = new List<ConversationMessage>();
        foreach (var t in page)
        {
            var messages = await MessagesAsync(context, t.Phone, ct);
            all.AddRange(messages);
            advisors.TryGetValue(t.Phone, out var a);
            var until = a?.LastInboundAt + Window;
            items.Add(new ConversationDto(t.Phone, a?.Name, t.LastAt, a?.HandoffOpen ?? false, a?.HandoffAt, until, until > now, messages));
        }

        foreach (var enricher in enrichers)
        {
            await enricher.EnrichAsync(context, all, ct);
        }

        var last = page.LastOrDefault();
        return new ConversationPage(items, more && last is not null ? EncodeCursor(last.LastAt, last.Phone) : null);
    }

    private static async Task<List<ConversationMessage>> MessagesAsync(HubixDbContext context, string phone, CancellationToken ct)
    {
        var inbound = await context.Set<Interaction>().AsNoTracking()
            .Where(i => i.Phone == phone && i.Direction == "in").OrderByDescending(i => i.Id).Take(MessagesPerConversation)
            .Select(i => new ConversationMessage
            {
                Direction = "in", Kind = i.Type, Text = i.Text ?? i.Payload, At = i.At, WaMessageId = i.WaMessageId, ErrorCode = i.ErrorCode,
            }).ToListAsync(ct);
        var outbound = await Tracking.LoadAsync(context, context.Set<OutboxMessage>()
            .Where(o => o.Recipient == phone && ConversationPurposes.Contains(o.Purpose)).OrderByDescending(o => o.Id).Take(MessagesPerConversation), ct);
        var payloads = await PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
        var messages = inbound.Concat(outbound.Select(o => new ConversationMessage
        {
            Direction = "out", Kind = o.Kind, Text = payloads.TryGetValue(o.Id, out var p) ? Tracking.Text(o.Kind, p) : null, At = o.CreatedAt,
            WaMessageId = o.WaMessageId, OutboxId = o.Id, Purpose = o.Purpose, State = o.State, ErrorCode = o.ErrorCode,
        })).OrderBy(m => m.At).ThenBy(m => m.Direction == "in" ? 0 : 1).ToList();

        DateTime? lastIn = null;
        foreach (var m in messages)
        {
            if (m.Direction == "in")
            {
                lastIn = m.At;
            }
            else if (lastIn is { } li && m.Purpose is "agent" or "operator")
            {
                m.LatencyMs = (long)Math.Max(0, (m.At - li).TotalMilliseconds);
            }
        }

        return messages.Count > MessagesPerConversation ? messages[^MessagesPerConversation..] : messages;
    }

    private static async Task<Dictionary<long, string>> PayloadsAsync(HubixDbContext context, List<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : await context.Set<OutboxMessage>().AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Payload, ct);

    public async Task<AdvisorTimeline> TimelineAsync(string phone, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 5000);
        await using var context = db.CreateDbContext();
        var advisor = await context.Set<Advisor>().AsNoTracking().FirstOrDefaultAsync(a => a.Phone == phone, ct);
        var entries = new List<TimelineEntry>();

        var outbound = await Tracking.LoadAsync(context, context.Set<OutboxMessage>().Where(o => o.Recipient == phone).OrderByDescending(o => o.Id).Take(limit), ct);
        var payloads = await PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
        foreach (var o in outbound)
        {
            var text = payloads.TryGetValue(o.Id, out var p) ? Tracking.Text(o.Kind, p) : null;
            entries.Add(new TimelineEntry(o.CreatedAt, o.Purpose == "daily" ? "template" : "message_out", text, o.State, o.WaMessageId, o.ErrorCode, new
            {
                outboxId = o.Id, purpose = o.Purpose, kind = o.Kind, template = o.TemplateName, acceptedAt = o.AcceptedAt, sentAt = o.SentAt,
                deliveredAt = o.DeliveredAt, readAt = o.ReadAt, failedAt = o.FailedAt, errorReason = o.ErrorReason,
            }));
        }

        var log = await context.Set<Interaction>().AsNoTracking().Where(i => i.Phone == phone && i.Direction != "out").OrderByDescending(i => i.Id).Take(limit)
            .Select(i => new { i.At, i.Direction, i.Type, i.Text, i.Payload, i.WaMessageId, i.ErrorCode, i.ErrorDetails, i.Context }).ToListAsync(ct);
        foreach (var i in log)
        {
            var kind = i.Direction switch
            {
                "in" when MetricsService.TapTypes.Contains(i.Type) => "tap",
                "in" => "message_in",
                "status" => "status",
                _ => "event",
            };
            var summary = i.Direction == "status" ? i.Type + (i.ErrorCode is { } c ? " (" + c.ToString(CultureInfo.InvariantCulture) + ")" : "") : i.Text ?? i.Payload;
            entries.Add(new TimelineEntry(i.At, kind, summary, i.Direction == "status" ? i.Type : null, i.WaMessageId, i.ErrorCode,
                new { type = i.Type, context = i.Context, errorDetails = i.ErrorDetails }));
        }

        foreach (var contributor in timelineContributors)
        {
            await contributor.ContributeAsync(context, phone, entries, ct);
        }

        entries.Sort((a, b) => a.At.CompareTo(b.At));
        var until = advisor?.LastInboundAt + Window;
        return new AdvisorTimeline(phone, advisor?.Name, advisor?.Status.ToString().ToLowerInvariant(), advisor is not null, advisor?.LastInboundAt,
            advisor?.HandoffOpen ?? false, until, entries.Count > limit ? entries[^limit..] : entries);
    }

    internal static string EncodeCursor(DateTime at, string phone)
    {
        var raw = at.Ticks.ToString(CultureInfo.InvariantCulture) + "|" + phone;
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(raw));
    }

    internal static (DateTime At, string Phone)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var raw = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var bar = raw.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && long.TryParse(raw.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                return (new DateTime(ticks, DateTimeKind.Utc), raw[(bar + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new BadCursorException();
    }
}

/// <summary>The cursor is not one we issued; the endpoint answers 400.</summary>
public sealed class BadCursorException() : Exception("The cursor is not valid; start again without one.");

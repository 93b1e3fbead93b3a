using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Hubix.Advisors;
using Hubix.Agent;
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

    /// <summary>The agent's intent: for <c>in</c>, what it understood; for <c>out</c>, what it answered (from its <see cref="ConversationTurn"/>s).</summary>
    public string? Intent { get; set; }

    /// <summary>Content the agent's answer drew on.</summary>
    public IReadOnlyList<string>? Sources { get; set; }

    /// <summary>For <c>out</c>: milliseconds from the advisor's previous message to this one being queued (for the agent's answers, its own measure).</summary>
    public long? LatencyMs { get; set; }
}

/// <param name="WindowOpenUntil">End of the customer-service window (24 h after the advisor's last message), or null.</param>
public sealed record ConversationDto(
    string Phone, string? Name, DateTime LastAt, bool HandoffOpen, DateTime? HandoffAt, DateTime? WindowOpenUntil, bool WindowOpen,
    IReadOnlyList<ConversationMessage> Messages);

/// <param name="NextCursor">Pass as <c>cursor</c> for the next (older) page; null on the last page.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationDto> Items, string? NextCursor);

/// <summary>Conversations (keyset-paged), from the CRM log and the outbox, with what the agent knows about its messages.</summary>
public sealed class ConversationService(HubixDb db, TimeProvider time)
{
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
            inbound = inbound.Where(i => !Interaction.TapTypes.Contains(i.Type));
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
            var until = a?.LastInboundAt + ConversationEndpoints.Window;
            items.Add(new ConversationDto(t.Phone, a?.Name, t.LastAt, a?.HandoffOpen ?? false, a?.HandoffAt, until, until > now, messages));
        }

        await EnrichFromAgentTurnsAsync(context, all, ct);

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
        var payloads = await Tracking.PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
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

    /// <summary>
    /// The agent's intent and sources on the advisor's messages (its user turn, by wamid) and on its answers (its reply turn,
    /// by outbox id), and on the answers its own latency (from recording the message, where ours starts at Meta's timestamp).
    /// </summary>
    private static async Task EnrichFromAgentTurnsAsync(HubixDbContext context, IReadOnlyList<ConversationMessage> messages, CancellationToken ct)
    {
        var wamids = messages.Where(m => m.Direction == "in" && m.WaMessageId is not null).Select(m => m.WaMessageId!).Distinct(StringComparer.Ordinal).ToList();
        var outboxIds = messages.Where(m => m.Direction == "out" && m.OutboxId is not null).Select(m => m.OutboxId!.Value).Distinct().ToList();
        var users = new Dictionary<string, ConversationTurn>(StringComparer.Ordinal);
        foreach (var chunk in wamids.Chunk(500))
        {
            foreach (var t in await context.Set<ConversationTurn>().AsNoTracking().Where(t => t.Role == AgentTurn.UserRole && chunk.Contains(t.InboundWamid)).ToListAsync(ct))
            {
                users[t.InboundWamid] = t;
            }
        }

        var replies = new Dictionary<long, ConversationTurn>();
        foreach (var chunk in outboxIds.Chunk(500))
        {
            foreach (var t in await context.Set<ConversationTurn>().AsNoTracking().Where(t => t.OutboxId != null && chunk.Contains(t.OutboxId.Value)).ToListAsync(ct))
            {
                replies[t.OutboxId!.Value] = t;
            }
        }

        foreach (var m in messages)
        {
            if (m.Direction == "in" && m.WaMessageId is { } w && users.TryGetValue(w, out var user))
            {
                m.Intent = user.Intent;
                m.Sources = user.SourceList();
            }
            else if (m.Direction == "out" && m.OutboxId is { } o && replies.TryGetValue(o, out var reply))
            {
                m.Intent = reply.Intent;
                m.Sources = reply.SourceList();
                m.LatencyMs = reply.QueuedAfterMs ?? m.LatencyMs;
            }
        }
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

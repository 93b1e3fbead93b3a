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
/// <param name="LastAt">The advisor's last message (for <c>kind=chat</c>, the last one that was not a tap): the list's order.</param>
/// <param name="Messages">The newest messages (at most <c>messages</c>), oldest first.</param>
/// <param name="OlderMessagesCursor">Pass as <c>before</c> to <c>/api/webhook/conversations/{phone}/messages</c> for older ones; null when there are none.</param>
/// <param name="NeedsReply">The advisor wrote and nothing has answered since (see <see cref="ConversationState.NeedsReply"/>).</param>
public sealed record ConversationDto(
    string Phone, string? Name, DateTime LastAt, bool HandoffOpen, DateTime? HandoffAt, DateTime? WindowOpenUntil, bool WindowOpen,
    IReadOnlyList<ConversationMessage> Messages, string? OlderMessagesCursor = null, bool NeedsReply = false);

/// <summary>Which conversations <c>GET /api/webhook/conversations?state=</c> lists (docs/decisions/ADR-012-the-web-app.md defines them).</summary>
public enum ConversationState
{
    /// <summary>Every conversation (the default), by the advisor's last message.</summary>
    All,

    /// <summary>The advisor wrote and nothing has answered since (<see cref="Advisor.NeedsReplyAt"/>), newest first.</summary>
    NeedsReply,

    /// <summary>A person has the conversation (an open handoff), by the advisor's last message.</summary>
    HandedOff,
}

/// <summary>How many conversations each inbox tab holds: both are index range counts over the few that are waiting.</summary>
public sealed record ConversationCounts(int NeedsReply, int HandedOff);

/// <param name="NextCursor">Pass as <c>cursor</c> for the next (older) page; null on the last page.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationDto> Items, string? NextCursor);

/// <summary>One page of a conversation's messages, oldest first.</summary>
/// <param name="OlderCursor">Pass as <c>before</c> for the page before this one; null when this reaches the first message.</param>
public sealed record ConversationMessages(string Phone, IReadOnlyList<ConversationMessage> Items, string? OlderCursor);

/// <summary>
/// Conversations with advisors, newest first. The list is a keyset walk of the advisors by their last message
/// (<see cref="Advisor.LastInboundAt"/>, or <see cref="Advisor.LastChatAt"/> for chats), which the inbox keeps up to date, so a
/// page costs the same at 100 or 100,000 advisors; each conversation carries its newest messages from the CRM log and
/// the outbox, with a cursor for older ones. People who are not advisors are in <c>/api/unknown-senders</c>.
/// </summary>
public sealed class ConversationService(HubixDb db, TimeProvider time)
{
    private static readonly string[] ConversationPurposes = ["agent", "operator", "unlock"];
    public const int MaxConversations = 100;
    public const int DefaultMessages = 20;
    public const int MaxMessages = 100;

    /// <summary>Conversations of one list page whose messages are read at the same time (each holds a pooled connection).</summary>
    private const int ParallelReads = 6;

    // The two tables a conversation merges, in the order of a message in and the answer at the same instant.
    private const int Inbound = 0, Outbound = 1;

    /// <param name="chatsOnly">Only advisors who wrote something other than a tap; ordered by their last such message.</param>
    /// <param name="state">
    /// <see cref="ConversationState.NeedsReply"/>: ordered by <see cref="Advisor.NeedsReplyAt"/> (its own index);
    /// <see cref="ConversationState.HandedOff"/>: open handoffs by their last message (a partial index of open handoffs).
    /// </param>
    public async Task<ConversationPage> ListAsync(
        string? phone, bool? handoff, string? cursor, int limit, int messages, CancellationToken ct, bool chatsOnly = false,
        ConversationState state = ConversationState.All)
    {
        var after = Paging.Decode(cursor, 2) is { } p ? (At: Paging.ParseTime(p[0]), Phone: p[1]) : ((DateTime At, string Phone)?)null;
        await using var context = db.CreateDbContext();
        var advisors = context.Set<Advisor>().AsNoTracking();
        if (!string.IsNullOrEmpty(phone))
        {
            advisors = advisors.Where(a => a.Phone == phone);
        }

        if (handoff is { } h)
        {
            advisors = advisors.Where(a => a.HandoffOpen == h);
        }

        // Copies of one seek, because each must name its own column for the planner to pick that column's index.
        IQueryable<ThreadRow> threads;
        if (state == ConversationState.NeedsReply)
        {
            advisors = advisors.Where(a => a.NeedsReplyAt != null);
            if (after is var (at, ph))
            {
                advisors = advisors.Where(a => a.NeedsReplyAt <= at && (a.NeedsReplyAt < at || a.Phone.CompareTo(ph) < 0));
            }

            threads = advisors.OrderByDescending(a => a.NeedsReplyAt).ThenByDescending(a => a.Phone).Select(a => new ThreadRow(a, a.NeedsReplyAt!.Value));
        }
        else if (chatsOnly && state == ConversationState.All)
        {
            advisors = advisors.Where(a => a.LastChatAt != null);
            if (after is var (at, ph))
            {
                advisors = advisors.Where(a => a.LastChatAt <= at && (a.LastChatAt < at || a.Phone.CompareTo(ph) < 0));
            }

            threads = advisors.OrderByDescending(a => a.LastChatAt).ThenByDescending(a => a.Phone).Select(a => new ThreadRow(a, a.LastChatAt!.Value));
        }
        else
        {
            if (state == ConversationState.HandedOff)
            {
                // A constant, bare boolean term: what the partial index IX_Advisors_Handoff_LastInboundAt_Phone is filtered by.
                advisors = advisors.Where(a => a.HandoffOpen);
            }

            advisors = advisors.Where(a => a.LastInboundAt != null);
            if (after is var (at, ph))
            {
                advisors = advisors.Where(a => a.LastInboundAt <= at && (a.LastInboundAt < at || a.Phone.CompareTo(ph) < 0));
            }

            threads = advisors.OrderByDescending(a => a.LastInboundAt).ThenByDescending(a => a.Phone).Select(a => new ThreadRow(a, a.LastInboundAt!.Value));
        }

        var page = await threads.Take(limit + 1).ToListAsync(ct);
        var more = Paging.TrimExtra(page, limit);
        var now = time.GetUtcNow().UtcDateTime;
        var items = new List<ConversationDto>(page.Count);
        var all = new List<ConversationMessage>();
        // Each conversation's newest messages are three or four small indexed reads. One after another they cost a page
        // of 30 conversations about 100 round trips, which is what a PostgreSQL server across a socket makes slow (the
        // webapp bench: an inbox page at p50 160 ms on PostgreSQL vs 60 ms on SQLite). So a few conversations are read at
        // once, each on its own context (connection).
        var loaded = new (List<ConversationMessage> List, string? Older)[page.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, page.Count), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (i, token) =>
            {
                await using var own = db.CreateDbContext();
                loaded[i] = await MessagesAsync(own, page[i].Advisor.Phone, null, messages, token);
            });
        for (var i = 0; i < page.Count; i++)
        {
            var (a, lastAt) = page[i];
            var (list, older) = loaded[i];
            all.AddRange(list);
            var until = a.LastInboundAt + ConversationEndpoints.Window;
            items.Add(new ConversationDto(a.Phone, a.Name, lastAt, a.HandoffOpen, a.HandoffAt, until, until > now, list, older, a.NeedsReplyAt is not null));
        }

        await EnrichFromAgentTurnsAsync(context, all, ct);
        var last = page.LastOrDefault();
        return new ConversationPage(items, more && last is not null ? Paging.Encode(Paging.Ticks(last.LastAt), last.Advisor.Phone) : null);
    }

    /// <summary>The inbox tabs' counts.</summary>
    public async Task<ConversationCounts> CountAsync(CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var advisors = context.Set<Advisor>().AsNoTracking();
        var needs = await advisors.CountAsync(a => a.NeedsReplyAt != null, ct);
        var handedOff = await advisors.CountAsync(a => a.HandoffOpen && a.LastInboundAt != null, ct);
        return new ConversationCounts(needs, handedOff);
    }

    /// <summary>Older messages of one conversation: the page before <paramref name="before"/> (a cursor from an earlier page).</summary>
    public async Task<ConversationMessages> MessagesAsync(string phone, string? before, int limit, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var (list, older) = await MessagesAsync(context, phone, before, limit, ct);
        await EnrichFromAgentTurnsAsync(context, list, ct);
        return new ConversationMessages(phone, list, older);
    }

    private sealed record ThreadRow(Advisor Advisor, DateTime LastAt);

    private static async Task<(List<ConversationMessage> Items, string? OlderCursor)> MessagesAsync(
        HubixDbContext context, string phone, string? before, int limit, CancellationToken ct)
    {
        var keyset = new TimeKeyset<ConversationMessage>(before, limit, "before");
        var inbound = context.Set<Interaction>().AsNoTracking().Where(i => i.Phone == phone && i.Direction == "in");
        if (keyset.Before(Inbound) is var (inAt, inId))
        {
            inbound = inbound.Where(i => i.At <= inAt && (i.At < inAt || i.Id < inId));
        }

        foreach (var m in await inbound.OrderByDescending(i => i.At).ThenByDescending(i => i.Id).Take(keyset.Fetch)
            .Select(i => new { i.Id, i.Type, i.Text, i.Payload, i.At, i.WaMessageId, i.ErrorCode }).ToListAsync(ct))
        {
            keyset.Add(m.At, Inbound, m.Id, new ConversationMessage
            {
                Direction = "in", Kind = m.Type, Text = m.Text ?? m.Payload, At = m.At, WaMessageId = m.WaMessageId, ErrorCode = m.ErrorCode,
            });
        }

        var outbox = context.Set<OutboxMessage>().Where(o => o.Recipient == phone && ConversationPurposes.Contains(o.Purpose));
        if (keyset.Before(Outbound) is var (outAt, outId))
        {
            outbox = outbox.Where(o => o.CreatedAt <= outAt && (o.CreatedAt < outAt || o.Id < outId));
        }

        var outbound = await Tracking.LoadAsync(context, outbox.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(keyset.Fetch), ct);
        var payloads = await Tracking.PayloadsAsync(context, outbound.Select(o => o.Id).ToList(), ct);
        foreach (var o in outbound)
        {
            keyset.Add(o.CreatedAt, Outbound, o.Id, new ConversationMessage
            {
                Direction = "out", Kind = o.Kind, Text = payloads.TryGetValue(o.Id, out var p) ? Tracking.Text(o.Kind, p) : null, At = o.CreatedAt,
                WaMessageId = o.WaMessageId, OutboxId = o.Id, Purpose = o.Purpose, State = o.State, ErrorCode = o.ErrorCode,
            });
        }

        var (messages, older) = keyset.Page();
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

        return (messages, older);
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
}

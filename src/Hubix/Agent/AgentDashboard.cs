using Hubix.Dashboard;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Agent;

/// <summary>Fills the agent's intent, sources and latency into conversation messages, from <see cref="ConversationTurn"/>s.</summary>
internal sealed class AgentConversationEnricher : IConversationEnricher
{
    public async Task EnrichAsync(HubixDbContext db, IReadOnlyList<ConversationMessage> messages, CancellationToken ct)
    {
        var wamids = messages.Where(m => m.Direction == "in" && m.WaMessageId is not null).Select(m => m.WaMessageId!).Distinct(StringComparer.Ordinal).ToList();
        var outboxIds = messages.Where(m => m.Direction == "out" && m.OutboxId is not null).Select(m => m.OutboxId!.Value).Distinct().ToList();
        var users = new Dictionary<string, ConversationTurn>(StringComparer.Ordinal);
        foreach (var chunk in wamids.Chunk(500))
        {
            foreach (var t in await db.Set<ConversationTurn>().AsNoTracking().Where(t => t.Role == AgentTurn.UserRole && chunk.Contains(t.InboundWamid)).ToListAsync(ct))
            {
                users[t.InboundWamid] = t;
            }
        }

        var replies = new Dictionary<long, ConversationTurn>();
        foreach (var chunk in outboxIds.Chunk(500))
        {
            foreach (var t in await db.Set<ConversationTurn>().AsNoTracking().Where(t => t.OutboxId != null && chunk.Contains(t.OutboxId.Value)).ToListAsync(ct))
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

/// <summary>Agent answers by intent and hand-offs opened, per day, from the agent's reply turns.</summary>
internal sealed class AgentMetricsContributor : IMetricsContributor
{
    public async Task ContributeAsync(MetricsContext context, CancellationToken ct)
    {
        var start = context.StartUtc;
        var end = context.EndUtc;
        var replies = await context.Db.Set<ConversationTurn>().AsNoTracking()
            .Where(t => t.Role == AgentTurn.AgentRole && t.At >= start && t.At < end)
            .Select(t => new { t.At, t.Intent, t.Note }).ToListAsync(ct);
        var handoffs = new Dictionary<DayMetrics, int>();
        foreach (var r in replies)
        {
            if (context.DayOf(r.At) is not { } day)
            {
                continue;
            }

            var intent = r.Intent ?? AgentIntents.Unknown;
            day.AgentAnswersByIntent[intent] = day.AgentAnswersByIntent.GetValueOrDefault(intent) + 1;
            if (r.Note == "handoff_opened")
            {
                handoffs[day] = handoffs.GetValueOrDefault(day) + 1;
            }
        }

        // The dashboard counts only each advisor's latest hand-off (Advisor.HandoffAt); ours is the full history.
        foreach (var (day, count) in handoffs)
        {
            day.Handoffs = Math.Max(day.Handoffs, count);
        }
    }
}

/// <summary>The agent's turns in an advisor's timeline: what it understood and what it did.</summary>
internal sealed class AgentTimelineContributor : ITimelineContributor
{
    public async Task ContributeAsync(HubixDbContext db, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var turns = await db.Set<ConversationTurn>().AsNoTracking().Where(t => t.Phone == phone).OrderByDescending(t => t.Id).Take(200).ToListAsync(ct);
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

using Hubix.Advisors;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>
/// Answers pending conversation turns, off the inbox path. Per turn: run the engine with the advisor's last
/// turns as history, then in ONE transaction store the reply turn, perform the intent's action (unlock,
/// consent, hand-off), enqueue the reply (purpose <c>agent</c>, key <c>agent:{wamid}</c>, expiring with the
/// window) and mark the turn answered; after the commit, wake the dispatcher and tell the live feed.
/// </summary>
/// <remarks>
/// Exactly once: a crash after the commit leaves an answered turn that is never claimed again; a crash before
/// it leaves a pending turn whose lease runs out and which is answered again, and the outbox key and the
/// unique (wamid, role) index make sure the advisor gets one reply. Replicas on PostgreSQL claim with
/// <c>FOR UPDATE SKIP LOCKED</c>, and the answering transaction only commits if the turn is still pending.
/// </remarks>
public sealed partial class AgentWorker(
    HubixDb db,
    AgentEngine engine,
    AgentSignal signal,
    Outbox outbox,
    UnlockService unlocks,
    ConsentService consent,
    LiveFeed feed,
    AgentMeter metrics,
    IOptions<AgentConversationOptions> options,
    TimeProvider time,
    ILogger<AgentWorker> logger) : PollingWorker(time, logger)
{
    private AgentConversationOptions Options => options.Value;

    /// <summary>Back-off of a turn that failed: 1 s, 2 s, 4 s ... at most this.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    private readonly WorkQueue<ConversationTurn, ConversationTurnState> _queue = new(db, ConversationTurnState.Pending);

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct) =>
        await RunOnceAsync(ct) < Options.BatchSize ? Options.IdlePoll : TimeSpan.Zero;

    protected override Task WaitAsync(TimeSpan wait, CancellationToken ct) => signal.WaitAsync(wait, ct);

    /// <summary>Claims and answers one batch of pending turns; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var ids = await ClaimAsync(ct);
        foreach (var id in ids)
        {
            try
            {
                await AnswerAsync(id, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await RecordFailureAsync(id, ex, ct);
            }
        }

        return ids.Count;
    }

    private Task<List<long>> ClaimAsync(CancellationToken ct) =>
        _queue.ClaimAsync(Time.GetUtcNow().UtcDateTime, Options.Lease, Options.BatchSize, [nameof(ConversationTurn.Id)], [], r => r.GetInt64(0), id => id, ct);

    private async Task AnswerAsync(long id, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var turn = await context.Set<ConversationTurn>().AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.State == ConversationTurnState.Pending, ct);
        if (turn is null)
        {
            return;
        }

        var advisor = await context.Set<Advisor>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == turn.AdvisorId, ct);
        var windowEnd = (advisor?.LastInboundAt is { } l && l > turn.At ? l : turn.At) + Options.Window;
        if (WhyNotAnswered(advisor, windowEnd, Time.GetUtcNow().UtcDateTime) is { } skip)
        {
            await FinishAsync(context, id, skip.State, skip.Note, ct);
            return;
        }

        var answer = await engine.AnswerAsync(
            new AgentQuestion(turn.Text ?? "", advisor!.Phone, await HistoryAsync(context, turn, ct), advisor.Name)
            {
                Intent = turn.Kind == "button_reply" ? turn.Intent : null,
                AdvisorLanguage = advisor.Language,
            }, ct);
        await RecordAnswerAsync(turn, answer, windowEnd, ct);
    }

    /// <summary>Why a pending turn gets no answer: the advisor is gone, a person has the conversation, or the window closed.</summary>
    private static (ConversationTurnState State, string Note)? WhyNotAnswered(Advisor? advisor, DateTime windowEnd, DateTime now) =>
        advisor is null || advisor.DeletedAt is not null ? (ConversationTurnState.Skipped, "advisor_gone")
        : advisor.HandoffOpen ? (ConversationTurnState.Silent, "handoff_open")
        : now >= windowEnd ? (ConversationTurnState.Expired, "window_closed")
        : null;

    /// <summary>
    /// One unit of work: the turn marked answered (only if still pending: another replica whose lease ran out on us may
    /// have done it), the intent's action, the reply turn and the reply in the outbox; then the live feed and the meter.
    /// </summary>
    private async Task RecordAnswerAsync(ConversationTurn turn, AgentAnswer answer, DateTime windowEnd, CancellationToken ct)
    {
        await using var work = await UnitOfWork.BeginAsync(db, Time.GetUtcNow().UtcDateTime, ct);
        var now = work.Now;
        var sources = answer.Sources.Count == 0 ? null : Cut(string.Join('\n', answer.Sources), 2000);
        var path = turn.Kind == "button_reply" ? AgentPaths.Button : answer.Path;
        work.Guard(async (_, _, token) => await work.Db.Set<ConversationTurn>().Where(t => t.Id == turn.Id && t.State == ConversationTurnState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.State, ConversationTurnState.Answered)
                .SetProperty(t => t.Intent, answer.Intent)
                .SetProperty(t => t.Sources, sources)
                .SetProperty(t => t.LatencyMs, answer.LatencyMs)
                .SetProperty(t => t.Llm, answer.Llm)
                .SetProperty(t => t.Path, path)
                .SetProperty(t => t.Lang, answer.Lang)
                .SetProperty(t => t.Attempts, t => t.Attempts + 1)
                .SetProperty(t => t.LeaseUntil, (DateTime?)null), token) > 0);

        var advisor = await work.Db.Set<Advisor>().SingleAsync(a => a.Id == turn.AdvisorId, ct);
        var action = await ActAsync(work, advisor, turn, answer, ct);
        var replyTurn = new ConversationTurn
        {
            AdvisorId = advisor.Id,
            Phone = advisor.Phone,
            Role = AgentTurn.AgentRole,
            InboundWamid = turn.InboundWamid,
            Kind = "none",
            Text = action.Reply is null ? null : Cut(action.Reply, 4096),
            At = now,
            CreatedAt = now,
            NextAttemptAt = now,
            State = ConversationTurnState.Answered,
            Intent = answer.Intent,
            Sources = sources,
            LatencyMs = answer.LatencyMs,
            QueuedAfterMs = (long)Math.Max(0, (now - turn.CreatedAt).TotalMilliseconds),
            Llm = answer.Llm,
            Path = path,
            Note = action.Note,
            Lang = answer.ReplyLang,
        };
        work.Db.Add(replyTurn);

        OutboxMessage? row = null;
        if (action.Reply is { } reply)
        {
            var message = ToMessage(advisor.Phone, reply, answer.Buttons);
            replyTurn.Kind = message.Type;
            // The confirmation of an opt-out is Hubix's own answer (system), like the STOP keyword's: consent at send time
            // stops every other message to an opted-out advisor, the assistant's included (ConsentService.OptedOutHold).
            var purpose = answer.Intent == AgentIntents.OptOut ? OutboxPurpose.System : OutboxPurpose.Agent;
            var added = await outbox.EnqueueAsync(work, new OutboxRequest(message, "agent:" + turn.InboundWamid, purpose, OutboxPriority.Waiting,
                ExpiresAt: windowEnd), ct);
            row = added.Count > 0 ? added[0] : null;
            if (row is not null)
            {
                // The outbox id is known once the rows are saved.
                work.AfterSave(() => replyTurn.OutboxId = row.Id);
            }
        }

        work.AfterSave(() => Announce(work, advisor.Phone, turn, answer, replyTurn, row, action.HandoffOpened, now));
        work.AfterCommit(() => metrics.AgentLatency.Record(replyTurn.QueuedAfterMs!.Value / 1000.0, new KeyValuePair<string, object?>("intent", answer.Intent)));
        if (await work.CommitAsync(ct))
        {
            LogAnswered(Logger, turn.InboundWamid, advisor.Phone, answer.Intent, answer.Path, answer.LatencyMs);
        }
    }

    /// <param name="Reply">What to send; null when the action already answered (the unlock said "no pack yet").</param>
    private sealed record AgentAction(string? Reply, string? Note, bool HandoffOpened);

    /// <summary>What the intent does besides answering: unlock a pack, change consent, or hand the conversation to a person.</summary>
    private async Task<AgentAction> ActAsync(UnitOfWork work, Advisor advisor, ConversationTurn turn, AgentAnswer answer, CancellationToken ct)
    {
        switch (answer.Intent)
        {
            case AgentIntents.UnlockAll or AgentIntents.UnlockImages or AgentIntents.UnlockPosts or AgentIntents.UnlockUpdates:
                var result = await unlocks.UnlockAsync(work, advisor, new UnlockRequest(Scope(answer.Intent), turn.InboundWamid, "text", turn.At), ct);
                var note = "unlock:" + NoteOf(result.Outcome);
                return result.Outcome switch
                {
                    _ when result.Replied => new AgentAction(null, note, false),
                    UnlockOutcome.AlreadyOnItsWay => new AgentAction(AgentTexts.For(answer.ReplyLang).AlreadyOnItsWay, note, false),
                    UnlockOutcome.NotReady => new AgentAction(AgentTexts.For(answer.ReplyLang).NotReady, note, false),
                    _ => new AgentAction(answer.Reply, note, false),
                };
            case AgentIntents.OptOut:
                var stopped = consent.Change(work, advisor, AdvisorStatus.OptedOut, "agent", turn.Text, turn.At);
                return new AgentAction(answer.Reply, stopped ? "opted_out" : "already_opted_out", false);
            case AgentIntents.OptIn:
                var started = consent.Change(work, advisor, AdvisorStatus.Active, "agent", turn.Text, turn.At);
                return new AgentAction(answer.Reply, started ? "opted_in" : "already_active", false);
            case AgentIntents.Handoff:
                advisor.HandoffOpen = true;
                advisor.HandoffAt = work.Now;
                advisor.UpdatedAt = work.Now;
                return new AgentAction(answer.Reply, "handoff_opened", true);
            default:
                return new AgentAction(answer.Reply, null, false);
        }
    }

    private static string NoteOf(UnlockOutcome outcome) => outcome switch
    {
        UnlockOutcome.Queued => "queued",
        UnlockOutcome.AlreadyOnItsWay => "already_on_its_way",
        UnlockOutcome.LimitReached => "limit_reached",
        UnlockOutcome.NoPack => "no_pack",
        UnlockOutcome.NotReady => "not_ready",
        UnlockOutcome.WindowClosed => "window_closed",
        UnlockOutcome.NothingMissing => "nothing_missing",
        UnlockOutcome.AdvisorGone => "advisor_gone",
        UnlockOutcome.NotApproved => "not_approved",
        _ => "unknown",
    };

    /// <summary>The answer on the live feed, with the reply's outbox id (known once saved).</summary>
    private void Announce(UnitOfWork work, string phone, ConversationTurn turn, AgentAnswer answer, ConversationTurn replyTurn, OutboxMessage? row, bool handoffOpened, DateTime now)
    {
        work.Publish(feed, new LiveEvent("agent", now, phone, new
        {
            wamid = turn.InboundWamid,
            intent = answer.Intent,
            sources = answer.Sources,
            latencyMs = Math.Round(answer.LatencyMs, 1),
            llm = answer.Llm,
            outboxId = row?.Id,
            note = replyTurn.Note,
        }));
        if (handoffOpened)
        {
            work.Publish(feed, new LiveEvent("handoff", now, phone, new { open = true, wamid = turn.InboundWamid }));
        }
    }

    private async Task<IReadOnlyList<AgentTurn>> HistoryAsync(HubixDbContext context, ConversationTurn turn, CancellationToken ct)
    {
        if (Options.HistoryTurns <= 0)
        {
            return [];
        }

        var since = turn.CreatedAt - Options.HistoryMaxAge;
        var rows = await context.Set<ConversationTurn>().AsNoTracking()
            .Where(t => t.AdvisorId == turn.AdvisorId && t.Id < turn.Id && t.CreatedAt >= since && t.Text != null)
            .OrderByDescending(t => t.Id).Take(Options.HistoryTurns)
            .Select(t => new { t.Role, t.Text, t.Intent }).ToListAsync(ct);
        rows.Reverse();
        return rows.Select(r => new AgentTurn(r.Role, r.Text!, r.Intent)).ToList();
    }

    /// <summary>Interactive reply buttons when the answer has some and fits their limits; otherwise text.</summary>
    internal static RecipientMessage ToMessage(string phone, string reply, IReadOnlyList<MenuButton>? buttons)
    {
        if (buttons is { Count: > 0 and <= 3 } && reply.Length <= 1024 && buttons.All(b => b.Title.Length <= 20))
        {
            return OutboundMessage.ReplyButtons(phone, reply, buttons.Select(b => new ReplyButton(b.Id, b.Title)));
        }

        return OutboundMessage.Text(phone, Cut(reply, 4096));
    }

    private static string Scope(string intent) => intent switch
    {
        AgentIntents.UnlockImages => UnlockScopes.Images,
        AgentIntents.UnlockPosts => UnlockScopes.Posts,
        AgentIntents.UnlockUpdates => UnlockScopes.Updates,
        _ => UnlockScopes.All,
    };

    private static Task FinishAsync(HubixDbContext context, long id, ConversationTurnState state, string note, CancellationToken ct) =>
        context.Set<ConversationTurn>().Where(t => t.Id == id && t.State == ConversationTurnState.Pending).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.State, state).SetProperty(t => t.Note, note).SetProperty(t => t.LeaseUntil, (DateTime?)null), ct);

    private async Task RecordFailureAsync(long id, Exception ex, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var turn = await context.Set<ConversationTurn>().AsNoTracking().Where(t => t.Id == id && t.State == ConversationTurnState.Pending)
            .Select(t => new { t.Attempts, t.InboundWamid, t.Phone }).SingleOrDefaultAsync(ct);
        if (turn is null)
        {
            return;
        }

        var attempts = turn.Attempts + 1;
        var error = ex.GetType().Name + ": " + ex.Message;
        if (await _queue.FailAsync(id, attempts, Options.MaxAttempts, MaxRetryDelay, ConversationTurnState.Failed, nameof(ConversationTurn.Note), error,
                Time.GetUtcNow().UtcDateTime, ct))
        {
            LogGaveUp(Logger, ex, turn.InboundWamid, turn.Phone, attempts);
        }
        else
        {
            LogRetry(Logger, ex, turn.InboundWamid, turn.Phone, attempts);
        }
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent answered {WaMessageId} from {Phone}: {Intent} ({Path}, {LatencyMs:F1} ms)")]
    private static partial void LogAnswered(ILogger logger, string waMessageId, string phone, string intent, string path, double latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent could not answer {WaMessageId} from {Phone} (attempt {Attempts}); retrying with back-off")]
    private static partial void LogRetry(ILogger logger, Exception ex, string waMessageId, string phone, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent gave up on {WaMessageId} from {Phone} after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Exception ex, string waMessageId, string phone, int attempts);

}

using Hubix.Advisors;
using Hubix.Content;
using Hubix.Delivery;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>What <see cref="UnlockCommands.UnlockTodayAsync"/> did.</summary>
public enum UnlockCommandOutcome
{
    /// <summary>The items are queued (an <see cref="UnlockRecord"/> in state delivering). The unlock path sends no confirmation.</summary>
    Queued,

    /// <summary>The same content is still on its way from an earlier request; nothing new was queued or said.</summary>
    AlreadyOnItsWay,

    /// <summary>The unlock path answered itself (no pack for today, or the daily cap): nothing else needs saying.</summary>
    Replied,

    /// <summary>The pack exists but none of its items can be sent yet (media not uploaded); nothing was queued or said.</summary>
    NotReady,

    /// <summary>The advisor is unknown or deleted; nothing happened.</summary>
    UnknownAdvisor,
}

/// <summary>
/// The unlock path as a call, for features that decide to deliver today's pack on their own (the agent's
/// <c>unlock_*</c> intents): exactly what a text trigger ("images", "posts"...) does, with the same
/// resolution of today's pack, per-day cap, "already on its way" check and outbox groups.
/// </summary>
/// <remarks>
/// It runs <see cref="UnlockHandler"/> on a text trigger for the scope, so the two can never drift apart. The
/// caller's unit of work (<see cref="InboxBatch.Db"/>) gets the rows and saves them; nothing here does I/O.
/// <c>requestId</c> is the advisor's message wamid: it becomes the unlock's tap id, unique, so retrying the
/// same request never unlocks twice.
/// </remarks>
public sealed class UnlockCommands(IOptions<UnlockOptions> unlockOptions, IOptions<ContentOptions> contentOptions, ILogger<UnlockHandler> logger)
{
    // The text trigger of each scope, checked against TextCommands at start-up.
    private static readonly Dictionary<string, string> s_triggers = Check(new(StringComparer.Ordinal)
    {
        [UnlockScopes.All] = "unlock",
        [UnlockScopes.Images] = "images",
        [UnlockScopes.Posts] = "posts",
        [UnlockScopes.Updates] = "updates",
    });

    private readonly UnlockHandler _handler = new(unlockOptions, contentOptions, logger);

    /// <summary>Delivers (part of) today's pack, in the advisor's zone at <paramref name="at"/>, to a known advisor.</summary>
    /// <param name="scope">One of <see cref="UnlockScopes"/>.</param>
    /// <param name="requestId">The wamid of the advisor's message that asked for it.</param>
    /// <param name="at">Meta's timestamp of that message: the window runs from it.</param>
    public async Task<UnlockCommandOutcome> UnlockTodayAsync(InboxBatch batch, Advisor advisor, string scope, string requestId, DateTime at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(advisor);
        if (!s_triggers.TryGetValue(scope, out var trigger))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "not an unlock scope");
        }

        if (advisor.DeletedAt is not null)
        {
            return UnlockCommandOutcome.UnknownAdvisor;
        }

        var db = batch.Db;
        var outboxBefore = db.ChangeTracker.Entries<OutboxMessage>().Count(e => e.State == EntityState.Added);
        var message = new InboundMessage
        {
            MessageId = requestId,
            From = advisor.Phone,
            UserId = advisor.UserId,
            Timestamp = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
            Kind = "text",
            MetaType = "text",
            Text = trigger,
            RawJson = "{}",
        };
        var record = new Interaction { Direction = "in", Type = "text", DedupeKey = "msg:" + requestId, Phone = advisor.Phone, WaMessageId = requestId, At = at };
        await _handler.HandleAsync(batch, message, record, ct);

        var unlock = db.ChangeTracker.Entries<UnlockRecord>()
            .FirstOrDefault(e => e.State == EntityState.Added && e.Entity.TapMessageId == requestId)?.Entity;
        if (unlock is not null)
        {
            return unlock.State == UnlockState.Delivering ? UnlockCommandOutcome.Queued : UnlockCommandOutcome.NotReady;
        }

        var outboxAfter = db.ChangeTracker.Entries<OutboxMessage>().Count(e => e.State == EntityState.Added);
        return outboxAfter > outboxBefore ? UnlockCommandOutcome.Replied : UnlockCommandOutcome.AlreadyOnItsWay;
    }

    private static Dictionary<string, string> Check(Dictionary<string, string> triggers)
    {
        foreach (var (scope, word) in triggers)
        {
            if (TextCommands.Recognize(word) is not { Kind: TextCommandKind.Unlock } c || c.Scope != scope)
            {
                throw new InvalidOperationException($"'{word}' is no longer the text trigger of unlock scope '{scope}'.");
            }
        }

        return triggers;
    }
}

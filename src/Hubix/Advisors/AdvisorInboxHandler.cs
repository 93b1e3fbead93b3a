using Hubix.Data;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// What every new webhook event means for the advisors: the 24-hour window (each advisor's last message by Meta's clock),
/// the consent keywords and Meta's own opt-outs (a failed status with 131050, the <c>user_preferences</c> webhook), and
/// people who are not advisors. Other features (the daily pack, the assistant) act only on known advisors' messages.
/// </summary>
internal sealed class AdvisorInboxHandler(ConsentService consent) : IInboxHandler
{
    /// <summary>Kinds a person sends (not reactions, system messages or errors): these get an unknown sender an answer.</summary>
    private static readonly HashSet<string> UserKinds = new(StringComparer.Ordinal)
    {
        "text", "button", "button_reply", "list_reply", "image", "document", "audio", "video", "sticker", "location", "contacts",
    };

    public async Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        await TouchAsync(work, events.Select(e => e.Event).OfType<InboundMessage>(), ct);
        foreach (var (evt, _) in events)
        {
            switch (evt)
            {
                case InboundMessage m when UserKinds.Contains(m.Kind):
                    await OnMessageAsync(work, m, ct);
                    break;
                case MessageStatus { Status: "failed" } s when s.RecipientId is not null && s.Errors.Any(e => e.Code == ConsentService.StoppedMarketingCode):
                    await ChangeAsync(work, s.RecipientId, AdvisorStatus.OptedOut, "error_131050", s.MessageId, s.Timestamp?.UtcDateTime ?? work.Now, ct);
                    break;
                case OtherEvent { Field: "user_preferences" } o when o.WaId is not null && o.Summary is not null:
                    var summary = o.Summary.ToLowerInvariant();
                    if (summary.EndsWith("stop", StringComparison.Ordinal))
                    {
                        await ChangeAsync(work, o.WaId, AdvisorStatus.OptedOut, "user_preferences", o.Summary, work.Now, ct);
                    }
                    else if (summary.EndsWith("resume", StringComparison.Ordinal))
                    {
                        await ChangeAsync(work, o.WaId, AdvisorStatus.Active, "user_preferences", o.Summary, work.Now, ct);
                    }

                    break;
            }
        }
    }

    private async Task OnMessageAsync(UnitOfWork work, InboundMessage m, CancellationToken ct)
    {
        var at = m.Timestamp?.UtcDateTime ?? work.Now;
        var advisor = await AdvisorLookup.FindAsync(work.Db, m, ct);
        if (advisor is null || advisor.DeletedAt is not null)
        {
            await consent.RecordUnknownSenderAsync(work, m, at, ct);
            return;
        }

        if (ConsentKeywords.In(m) is { } status)
        {
            await consent.AnswerKeywordAsync(work, advisor, status, m, at, ct);
        }
    }

    private async Task ChangeAsync(UnitOfWork work, string phone, AdvisorStatus status, string source, string detail, DateTime at, CancellationToken ct)
    {
        var advisor = await work.Db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == phone, ct);
        if (advisor is not null)
        {
            consent.Change(work, advisor, status, source, detail, at);
        }
    }

    /// <summary>
    /// Remembers each advisor's last inbound time by Meta's clock (the 24-hour window runs from it), their last message that
    /// is not a tap (the dashboard's chat list), that their conversation now needs a reply, and their user id, in one read
    /// for the whole batch.
    /// </summary>
    private static async Task TouchAsync(UnitOfWork work, IEnumerable<InboundMessage> messages, CancellationToken ct)
    {
        var latest = new Dictionary<string, (DateTime At, DateTime? ChatAt, DateTime? AskAt, string? UserId)>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            if (m.From is null || m.Timestamp is null)
            {
                continue;
            }

            var at = m.Timestamp.Value.UtcDateTime;
            DateTime? chatAt = Interaction.TapTypes.Contains(m.Kind) ? null : at;
            DateTime? askAt = ReplyState.AsksForAnswer(m.Kind) ? at : null;
            if (latest.TryGetValue(m.From, out var cur))
            {
                latest[m.From] = (Later(cur.At, at)!.Value, Later(cur.ChatAt, chatAt), Later(cur.AskAt, askAt),
                    cur.At < at ? m.UserId ?? cur.UserId : cur.UserId ?? m.UserId);
            }
            else
            {
                latest[m.From] = (at, chatAt, askAt, m.UserId);
            }
        }

        if (latest.Count == 0)
        {
            return;
        }

        var phones = latest.Keys.ToList();
        var advisors = await work.Db.Set<Advisor>().Where(a => phones.Contains(a.Phone)).ToListAsync(ct);
        foreach (var advisor in advisors)
        {
            var (at, chatAt, askAt, userId) = latest[advisor.Phone];
            if (advisor.LastInboundAt is null || advisor.LastInboundAt < at)
            {
                advisor.LastInboundAt = at;
            }

            if (chatAt is not null && (advisor.LastChatAt is null || advisor.LastChatAt < chatAt))
            {
                advisor.LastChatAt = chatAt;
            }

            // Waiting for an answer from this message on; an answer queued later in this same unit of work (a text that asks
            // for the pack) clears it again, after this is saved (ReplyState).
            if (askAt is not null && advisor.DeletedAt is null && (advisor.NeedsReplyAt is null || advisor.NeedsReplyAt < askAt))
            {
                advisor.NeedsReplyAt = askAt;
            }

            if (userId is not null && advisor.UserId is null)
            {
                advisor.UserId = userId;
            }
        }
    }

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

/// <summary>Who sent a message: the advisor with that phone, else the one with that business-scoped user id.</summary>
public static class AdvisorLookup
{
    /// <summary>
    /// The advisor (tracked by <paramref name="db"/>), deleted ones included; null when nobody matches. An advisor the unit
    /// of work already tracks (the inbox batch loads its senders once) is found without a query.
    /// </summary>
    public static async Task<Advisor?> FindAsync(HubixDbContext db, InboundMessage m, CancellationToken ct)
    {
        if (m.From is not null)
        {
            if (db.ChangeTracker.Entries<Advisor>().FirstOrDefault(e => e.Entity.Phone == m.From) is { } tracked)
            {
                return tracked.Entity;
            }

            var byPhone = await db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == m.From, ct);
            if (byPhone is not null)
            {
                return byPhone;
            }
        }

        return m.UserId is null ? null : await db.Set<Advisor>().FirstOrDefaultAsync(a => a.UserId == m.UserId, ct);
    }
}

using Hubix.Data;
using Hubix.Delivery;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Advisors;

/// <summary>
/// The consent keywords: STOP/UNSUBSCRIBE (and Hindi बंद करो / रोको / band karo) and START, matched exactly after
/// <see cref="CommandText.Normalise"/>.
/// </summary>
public static class ConsentKeywords
{
    private static readonly Dictionary<string, AdvisorStatus> Known = new(StringComparer.Ordinal)
    {
        ["stop"] = AdvisorStatus.OptedOut,
        ["unsubscribe"] = AdvisorStatus.OptedOut,
        ["बंद करो"] = AdvisorStatus.OptedOut,
        ["बंद करें"] = AdvisorStatus.OptedOut,
        ["रोको"] = AdvisorStatus.OptedOut,
        ["band karo"] = AdvisorStatus.OptedOut,
        ["start"] = AdvisorStatus.Active,
    };

    /// <summary>The status this text asks for, or null when it is no consent keyword.</summary>
    public static AdvisorStatus? Recognize(string? text)
    {
        var key = CommandText.Normalise(text);
        return key is not null && Known.TryGetValue(key, out var status) ? status : null;
    }

    /// <summary>A keyword typed, or on a button (its payload or its title).</summary>
    public static AdvisorStatus? In(InboundMessage m) => m.Kind switch
    {
        "text" => Recognize(m.Payload ?? m.Text),
        "button" or "button_reply" or "list_reply" => Recognize(m.Payload) ?? Recognize(m.Text),
        _ => null,
    };
}

/// <summary>
/// Every consent rule in one place, beside the consent ledger (<see cref="ConsentEvent"/>): a change is a ledger row with
/// its source and the advisor's new status, announced on the live feed after the commit; STOP and START are always
/// answered; 131050 (the user stopped marketing messages) is an opt-out; people who are not advisors are recorded and
/// answered once a day. Callers: the advisors' inbox handler (keywords, 131050 statuses, <c>user_preferences</c>,
/// unknown senders), the send-error listener (131050 send errors), the assistant (its opt-out and opt-in intents) and
/// the admin API.
/// </summary>
public sealed class ConsentService(Outbox outbox, LiveFeed feed, IOptions<ConsentOptions> options)
{
    /// <summary>Meta's code for "this user stopped marketing messages from you".</summary>
    public const int StoppedMarketingCode = 131050;

    /// <summary>The outbox reason of a message cancelled because its advisor opted out.</summary>
    public const string OptedOutReason = "opted_out";

    /// <summary>
    /// Consent at send time: a message to an advisor who is opted out is not sent, whatever its purpose, except Hubix's
    /// own <c>system</c> answers (the STOP and START confirmations, "no pack yet", the unknown-sender note): those answer
    /// something the person just sent. The dispatcher evaluates this in its claim (an index seek on the advisor's phone per
    /// claimed row), and <see cref="Change"/> uses it to cancel what is still queued when an advisor opts out.
    /// </summary>
    public static readonly OutboxHold OptedOutHold = new(OptedOutReason, row =>
        $"{row}.\"Purpose\" <> '{Outbox.Name(OutboxPurpose.System)}' AND EXISTS (SELECT 1 FROM \"Advisors\" a WHERE a.\"Phone\" = {row}.\"Recipient\" " +
        $"AND a.\"Status\" = {((int)AdvisorStatus.OptedOut).ToString(System.Globalization.CultureInfo.InvariantCulture)})");

    /// <summary>Whether a failure means the user opted out.</summary>
    public static bool IsOptOut(int? code, ErrorClass? errorClass) => errorClass == ErrorClass.OptedOut || code == StoppedMarketingCode;

    /// <summary>
    /// Sets the advisor's status and records the change in the unit of work; false (and nothing recorded) when it is
    /// unchanged. After the commit the change goes on the live feed as <c>opt_out</c> or <c>opt_in</c>. An opt-out also
    /// cancels, in the same transaction, the advisor's messages still queued (daily templates, pack items, the
    /// assistant's and operators' replies: state <c>cancelled</c>, reason <c>opted_out</c>); only <c>system</c> answers
    /// such as the STOP confirmation still go out (<see cref="OptedOutHold"/>).
    /// </summary>
    /// <param name="source">keyword, agent, user_preferences, error_131050, admin.</param>
    /// <param name="at">When it happened: Meta's timestamp for a message, our clock for an admin action.</param>
    public bool Change(UnitOfWork work, Advisor advisor, AdvisorStatus status, string source, string? detail, DateTime at)
    {
        if (advisor.Status == status)
        {
            return false;
        }

        advisor.Status = status;
        advisor.UpdatedAt = work.Now;
        var row = new ConsentEvent
        {
            Advisor = advisor,
            Phone = advisor.Phone,
            At = at,
            Status = status,
            Source = source,
            Detail = detail is { Length: > 512 } ? detail[..512] : detail,
        };
        work.Db.Add(row);
        if (status == AdvisorStatus.OptedOut)
        {
            outbox.CancelHeld(work, advisor.Phone, OptedOutHold);
        }

        work.AfterSave(() => work.Publish(feed, new LiveEvent(status == AdvisorStatus.OptedOut ? "opt_out" : "opt_in", row.At, row.Phone,
            new { consentId = row.Id, source = row.Source, detail = row.Detail })));
        return true;
    }

    /// <summary>STOP or START from an advisor: the change (source <c>keyword</c>) and its confirmation, even when nothing changed.</summary>
    public async Task AnswerKeywordAsync(UnitOfWork work, Advisor advisor, AdvisorStatus status, InboundMessage m, DateTime at, CancellationToken ct)
    {
        var typed = m.Payload ?? m.Text;
        var changed = Change(work, advisor, status, "keyword", typed is { Length: > 100 } ? typed[..100] : typed, at);
        var o = options.Value;
        var reply = status == AdvisorStatus.OptedOut
            ? changed ? o.OptOutReply : o.AlreadyOptedOutReply
            : changed ? o.OptInReply : o.AlreadyOptedInReply;
        await outbox.ReplyAsync(work, advisor.Phone, reply, "consent:" + m.MessageId, at, ct);
    }

    /// <summary>
    /// Someone who wrote to us but is not a (current) advisor: recorded for the operator, and told once a day that this
    /// number serves registered advisors. A sender without a phone number (username only) is recorded, not answered.
    /// </summary>
    public async Task RecordUnknownSenderAsync(UnitOfWork work, InboundMessage m, DateTime at, CancellationToken ct)
    {
        var who = m.From ?? m.UserId;
        if (who is null)
        {
            return;
        }

        var db = work.Db;
        var sender = db.ChangeTracker.Entries<UnknownSender>().Select(e => e.Entity).FirstOrDefault(s => s.Phone == who)
            ?? await db.Set<UnknownSender>().SingleOrDefaultAsync(s => s.Phone == who, ct);
        if (sender is null)
        {
            sender = new UnknownSender { Phone = who, FirstSeenAt = at };
            db.Add(sender);
        }

        sender.LastSeenAt = at > sender.LastSeenAt ? at : sender.LastSeenAt;
        sender.MessageCount++;
        sender.LastKind = m.Kind;
        sender.LastText = Truncate(m.Text ?? m.Payload, 512);
        sender.ProfileName = Truncate(m.ProfileName, 256) ?? sender.ProfileName;
        if (m.From is null || !IsAddressable(m.From))
        {
            return;
        }

        await outbox.ReplyAsync(work, m.From, options.Value.UnknownSenderReply,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"unknown:{m.From}:{DateOnly.FromDateTime(at):yyyy-MM-dd}"), at, ct);
    }

    /// <summary>A wa_id we can send to: digits only, as Meta's recipients are.</summary>
    private static bool IsAddressable(string phone) => phone.Length is >= 5 and <= 20 && phone.All(char.IsAsciiDigit);

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

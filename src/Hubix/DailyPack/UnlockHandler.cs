using Hubix.Advisors;
using Hubix.Data;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.DailyPack;

/// <summary>
/// Taps and typed triggers from advisors (a template quick reply, a reply button, "images"...) become an unlock, in the
/// inbox transaction, through <see cref="UnlockService"/>. Consent keywords and people who are not advisors are the
/// Advisors feature's; other texts are left to the assistant.
/// </summary>
internal sealed class UnlockHandler(UnlockService unlocks) : IInboxHandler
{
    public async Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        foreach (var (evt, _) in events)
        {
            if (evt is not InboundMessage m || ConsentKeywords.In(m) is not null || RequestOf(m, work.Now) is not { } request)
            {
                continue;
            }

            var advisor = await AdvisorLookup.FindAsync(work.Db, m, ct);
            if (advisor is null || advisor.DeletedAt is not null)
            {
                continue;
            }

            await unlocks.UnlockAsync(work, advisor, request, ct);
        }
    }

    /// <summary>What the message asks for: our payload first; then a trigger word on a button or typed; then a template tap by context.</summary>
    internal static UnlockRequest? RequestOf(InboundMessage m, DateTime now)
    {
        var at = m.Timestamp?.UtcDateTime ?? now;
        switch (m.Kind)
        {
            case "button":
            case "button_reply":
            case "list_reply":
                if (UnlockScopes.TryParsePayload(m.Payload, out var scope, out var date, out var packId))
                {
                    return new UnlockRequest(scope, m.MessageId, m.Kind, at, date, packId, m.ContextId);
                }

                if ((UnlockTriggers.Recognize(m.Payload) ?? UnlockTriggers.Recognize(m.Text)) is { } word)
                {
                    return new UnlockRequest(word, m.MessageId, m.Kind, at, ContextId: m.ContextId);
                }

                // A quick reply on a template whose payload is not ours (e.g. a label): resolve by context.id.
                return m.Kind == "button" && m.ContextId is not null ? new UnlockRequest(UnlockScopes.All, m.MessageId, m.Kind, at, ContextId: m.ContextId) : null;
            case "text":
                return UnlockTriggers.Recognize(m.Payload ?? m.Text) is { } typed ? new UnlockRequest(typed, m.MessageId, m.Kind, at, ContextId: m.ContextId) : null;
            default:
                return null;
        }
    }
}

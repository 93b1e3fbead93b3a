using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Agent;

/// <summary>
/// Records an advisor's text (or a tap on one of the agent's menu buttons) as a pending conversation turn, in
/// the inbox transaction. It does nothing else: the <see cref="AgentWorker"/> answers after the commit, so the
/// inbox worker never waits for the model.
/// </summary>
/// <remarks>
/// Not recorded: unknown or deleted senders (the Advisors feature answers them), media, and taps on other buttons.
/// Recorded but not answered: consent keywords and unlock triggers (the Advisors and DailyPack features answer them;
/// one reply, not two) and messages while a hand-off is open.
/// </remarks>
internal sealed class AgentInboxHandler(AgentSignal signal) : IInboxHandler
{
    public async Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        foreach (var (evt, _) in events)
        {
            if (evt is InboundMessage m)
            {
                await RecordAsync(work, m, ct);
            }
        }
    }

    private async Task RecordAsync(UnitOfWork work, InboundMessage m, CancellationToken ct)
    {
        string? text;
        string? buttonIntent = null;
        switch (m.Kind)
        {
            case "text":
                text = m.Text ?? m.Payload;
                break;
            case "button_reply" when m.Payload is { } id && AgentIntents.All.Contains(id, StringComparer.Ordinal):
                text = m.Text ?? id;
                buttonIntent = id;
                break;
            default:
                return;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var advisor = await AdvisorLookup.FindAsync(work.Db, m, ct);
        if (advisor is null || advisor.DeletedAt is not null)
        {
            return;
        }

        var turn = new ConversationTurn
        {
            AdvisorId = advisor.Id,
            Phone = advisor.Phone,
            Role = AgentTurn.UserRole,
            InboundWamid = m.MessageId,
            Kind = m.Kind,
            Text = Cut(text, 4096),
            At = m.Timestamp?.UtcDateTime ?? work.Now,
            CreatedAt = work.Now,
            NextAttemptAt = work.Now,
            Intent = buttonIntent,
            Path = buttonIntent is null ? null : AgentPaths.Button,
        };

        var command = buttonIntent is null ? CommandIntent(text) : CommandIntent(m.Payload) ?? CommandIntent(m.Text);
        if (command is not null)
        {
            turn.State = ConversationTurnState.Skipped;
            turn.Intent = command;
            turn.Path = "command";
            turn.Note = "text_command";
        }
        else if (advisor.HandoffOpen)
        {
            turn.State = ConversationTurnState.Silent;
            turn.Note = "handoff_open";
        }
        else
        {
            turn.State = ConversationTurnState.Pending;
            work.AfterCommit(signal.Notify);
        }

        work.Db.Add(turn);
    }

    /// <summary>The intent of a text another feature acts on (a consent keyword, an unlock trigger), or null.</summary>
    internal static string? CommandIntent(string? text) =>
        ConsentKeywords.Recognize(text) switch
        {
            AdvisorStatus.OptedOut => AgentIntents.OptOut,
            AdvisorStatus.Active => AgentIntents.OptIn,
            _ => UnlockTriggers.Recognize(text) is { } scope ? IntentOf(scope) : null,
        };

    internal static string IntentOf(string scope) => scope switch
    {
        UnlockScopes.Images => AgentIntents.UnlockImages,
        UnlockScopes.Posts => AgentIntents.UnlockPosts,
        UnlockScopes.Updates => AgentIntents.UnlockUpdates,
        _ => AgentIntents.UnlockAll,
    };

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>Wakes the <see cref="AgentWorker"/> after a pending turn was committed.</summary>
public sealed class AgentSignal : Kernel.WakeSignal;

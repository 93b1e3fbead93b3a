using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Agent;

/// <summary>
/// Records an advisor's text (or a tap on one of the agent's menu buttons) as a pending conversation turn, in
/// the inbox transaction. It does nothing else: the <see cref="AgentWorker"/> answers after the commit, so the
/// inbox worker never waits for the model.
/// </summary>
/// <remarks>
/// Not recorded: unknown or deleted senders (the unlock feature answers them), media, and taps on other
/// buttons. Recorded but not answered: texts that <see cref="TextCommands"/> recognises (the unlock feature
/// answers STOP/START and unlock triggers; one reply, not two) and messages while a hand-off is open.
/// </remarks>
internal sealed class AgentInboxHandler(AgentSignal signal) : IInboxHandler
{
    public async Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct)
    {
        if (evt is not InboundMessage m)
        {
            return;
        }

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

        var db = batch.Db;
        var advisor = await FindAdvisorAsync(db, m, ct);
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
            At = m.Timestamp?.UtcDateTime ?? batch.Now,
            CreatedAt = batch.Now,
            NextAttemptAt = batch.Now,
            Intent = buttonIntent,
            Path = buttonIntent is null ? null : AgentPaths.Button,
        };

        var command = buttonIntent is null ? TextCommands.Recognize(text) : TextCommands.Recognize(m.Payload) ?? TextCommands.Recognize(m.Text);
        if (command is not null)
        {
            turn.State = ConversationTurnState.Skipped;
            turn.Intent = CommandIntent(command);
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
            batch.AfterCommit(signal.Notify);
        }

        db.Add(turn);
    }

    internal static string CommandIntent(TextCommand command) => command.Kind switch
    {
        TextCommandKind.Stop => AgentIntents.OptOut,
        TextCommandKind.Start => AgentIntents.OptIn,
        TextCommandKind.Unlock => command.Scope switch
        {
            UnlockScopes.Images => AgentIntents.UnlockImages,
            UnlockScopes.Posts => AgentIntents.UnlockPosts,
            UnlockScopes.Updates => AgentIntents.UnlockUpdates,
            _ => AgentIntents.UnlockAll,
        },
        _ => AgentIntents.Unknown,
    };

    private static async Task<Advisor?> FindAdvisorAsync(Data.HubixDbContext db, InboundMessage m, CancellationToken ct)
    {
        if (m.From is not null)
        {
            var byPhone = await db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == m.From, ct);
            if (byPhone is not null)
            {
                return byPhone;
            }
        }

        return m.UserId is null ? null : await db.Set<Advisor>().FirstOrDefaultAsync(a => a.UserId == m.UserId, ct);
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>Wakes the <see cref="AgentWorker"/> after a pending turn was committed.</summary>
public sealed class AgentSignal : Kernel.WakeSignal;

using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Hubix.Advisors;

/// <summary>
/// Keeps <see cref="Advisor.NeedsReplyAt"/>: the inbox's "needs a reply". <see cref="AdvisorInboxHandler"/> sets it when an
/// advisor writes; this clears it when an answer to them is queued, in the same unit of work as the answer:
/// <list type="bullet">
/// <item>an operator's reply always answers;</item>
/// <item>Hubix's automatic answers (the assistant, a pack's items, its own short texts such as a consent confirmation or
/// "no pack yet") answer only while no handoff is open: once a person has the conversation, only a person answers it.</item>
/// </list>
/// The daily template answers nothing. The clear runs after the unit of work's tracked rows are saved, so it sees a handoff
/// the same unit of work opened (the assistant's "a colleague will reply" does not take the chat out of the list).
/// </summary>
internal sealed class ReplyState : IOutboxListener
{
    /// <summary>
    /// Kinds that ask for an answer: what a person writes or picks (text, media, a location, a contact, a choice among the
    /// assistant's own buttons), not a tap on a template's quick-reply button (it asks for the pack, which the unlock sends or
    /// explains) and not a reaction or a system notice.
    /// </summary>
    private static readonly HashSet<string> AskingKinds = new(StringComparer.Ordinal)
    {
        "text", "button_reply", "list_reply", "image", "document", "audio", "video", "sticker", "location", "contacts",
    };

    public static bool AsksForAnswer(string kind) => AskingKinds.Contains(kind);

    public void Queued(UnitOfWork work, IReadOnlyList<OutboxMessage> added)
    {
        // One write per recipient and kind of answer, however many rows (a pack's items) this unit of work queued.
        var answered = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var row in added)
        {
            var byPerson = row.Purpose == Outbox.Name(OutboxPurpose.Operator);
            if (row.Purpose == Outbox.Name(OutboxPurpose.Daily))
            {
                continue;
            }

            answered[row.Recipient] = byPerson || answered.GetValueOrDefault(row.Recipient);
        }

        foreach (var (phone, byPerson) in answered)
        {
            work.Write(async (connection, tx, ct) =>
            {
                await using var cmd = connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "UPDATE \"Advisors\" SET \"NeedsReplyAt\" = NULL WHERE \"Phone\" = @phone AND \"NeedsReplyAt\" IS NOT NULL" +
                    (byPerson ? "" : " AND NOT \"HandoffOpen\"");
                cmd.AddParameter("@phone", phone);
                await cmd.ExecuteNonQueryAsync(ct);
            });
        }
    }

    /// <summary>
    /// The migration <c>ConversationReplyState</c>'s backfill (both providers spell it the same): a conversation needs a reply
    /// when the advisor's newest chat message is later than every answer queued to them (any outbox row but the daily
    /// template; only an operator's while a handoff is open). The log does not say which messages were taps on a template
    /// button, so this uses <see cref="Advisor.LastChatAt"/>; new messages are classified exactly by <see cref="AsksForAnswer"/>.
    /// </summary>
    public static void Backfill(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        UPDATE "Advisors" SET "NeedsReplyAt" = "LastChatAt"
        WHERE "LastChatAt" IS NOT NULL AND "DeletedAt" IS NULL AND NOT EXISTS (
            SELECT 1 FROM "OutboxMessages" o
            WHERE o."Recipient" = "Advisors"."Phone" AND o."CreatedAt" >= "Advisors"."LastChatAt"
              AND o."Purpose" <> 'daily' AND (o."Purpose" = 'operator' OR NOT "Advisors"."HandoffOpen"))
        """);
}

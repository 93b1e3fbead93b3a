using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// Opt-outs that come from Meta rather than from a keyword: a failed status with 131050 (the user stopped
/// marketing messages) and the <c>user_preferences</c> webhook ("marketing_messages stop" / "resume").
/// </summary>
public sealed class ConsentHandler : IInboxHandler
{
    public const int StoppedMarketingCode = 131050;

    public async Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct)
    {
        switch (evt)
        {
            case MessageStatus { Status: "failed" } s when s.RecipientId is not null && s.Errors.Any(e => e.Code == StoppedMarketingCode):
                await ChangeAsync(batch, s.RecipientId, AdvisorStatus.OptedOut, "error_131050", s.MessageId, s.Timestamp?.UtcDateTime ?? batch.Now, ct);
                break;
            case OtherEvent { Field: "user_preferences" } o when o.WaId is not null && o.Summary is not null:
                var summary = o.Summary.ToLowerInvariant();
                if (summary.EndsWith("stop", StringComparison.Ordinal))
                {
                    await ChangeAsync(batch, o.WaId, AdvisorStatus.OptedOut, "user_preferences", o.Summary, batch.Now, ct);
                }
                else if (summary.EndsWith("resume", StringComparison.Ordinal))
                {
                    await ChangeAsync(batch, o.WaId, AdvisorStatus.Active, "user_preferences", o.Summary, batch.Now, ct);
                }

                break;
        }
    }

    private static async Task ChangeAsync(InboxBatch batch, string phone, AdvisorStatus status, string source, string detail, DateTime at, CancellationToken ct)
    {
        var advisor = await batch.Db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == phone, ct);
        if (advisor is not null)
        {
            ConsentLedger.Change(batch.Db, advisor, status, source, detail, at, batch.Now);
        }
    }
}

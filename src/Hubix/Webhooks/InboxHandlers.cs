using Hubix.Data;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Webhooks;

/// <summary>A webhook event never seen before, and its row in the CRM log (added to the same unit of work).</summary>
public sealed record NewEvent(WebhookEvent Event, Interaction Record);

/// <summary>
/// What a feature does with new webhook events: delivery tracking on statuses, consent and the advisors' 24-hour window
/// on messages, an unlock on a tap, an agent turn on a text. Handlers are called once per inbox transaction, in the
/// order they were registered, with that transaction's new events in webhook order. They read through
/// <see cref="UnitOfWork.Db"/> and add or change tracked rows there (a write that is not a tracked row goes through
/// <see cref="UnitOfWork.Write"/>); they do no network I/O. Their effects commit in one transaction together with the
/// events being marked processed, or not at all, and then their <see cref="UnitOfWork.AfterCommit"/> actions run.
/// </summary>
public interface IInboxHandler
{
    Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> events, CancellationToken ct);
}

using Hubix.Data;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Webhooks;

/// <summary>
/// Something a feature does with a new (never seen before) webhook event: an unlock on a tap, an agent turn
/// on a text, delivery tracking on a status. Handlers run inside the inbox worker's transaction: they add
/// rows to <see cref="InboxBatch.Db"/> and do no network I/O, so their effects commit together with the
/// event being marked processed, or not at all.
/// </summary>
public interface IInboxHandler
{
    Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct);
}

/// <summary>The unit of work one inbox transaction carries.</summary>
public sealed class InboxBatch(HubixDbContext db, DateTime now)
{
    private readonly List<Action> _afterCommit = [];

    public HubixDbContext Db { get; } = db;

    /// <summary>Processing time (UTC). Use the event's own timestamp for anything about Meta's clock.</summary>
    public DateTime Now { get; } = now;

    /// <summary>Runs after the transaction committed (wake a worker, publish to the live feed).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    internal void RunAfterCommit()
    {
        foreach (var action in _afterCommit)
        {
            action();
        }
    }
}

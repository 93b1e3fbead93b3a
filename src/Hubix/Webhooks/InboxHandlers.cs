using Hubix.Data;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Webhooks;

/// <summary>
/// Something a feature does with a new (never seen before) webhook event: an unlock on a tap, an agent turn
/// on a text, delivery tracking on a status. Handlers read through <see cref="InboxBatch.Db"/> and add or change
/// tracked rows there; a write that is not a tracked row goes through <see cref="InboxBatch.Write"/>. They do no
/// network I/O. Their effects commit in one transaction together with the event being marked processed, or not
/// at all.
/// </summary>
public interface IInboxHandler
{
    Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct);
}

/// <summary>
/// The unit of work one inbox transaction carries. Handlers run before the transaction begins (reads see the
/// latest committed data, as at READ COMMITTED), and the writes they planned run inside it: tracked rows by
/// SaveChanges, then the <see cref="Write"/> callbacks in the order they were planned. On SQLite that keeps the
/// single write lock, which the webhook intake also needs, held only for the writes themselves.
/// </summary>
public sealed class InboxBatch(HubixDbContext db, DateTime now)
{
    private readonly List<Action> _afterCommit = [];
    private readonly List<Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, CancellationToken, Task>> _writes = [];

    public HubixDbContext Db { get; } = db;

    /// <summary>Processing time (UTC). Use the event's own timestamp for anything about Meta's clock.</summary>
    public DateTime Now { get; } = now;

    /// <summary>Runs after the transaction committed (wake a worker, publish to the live feed).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>A raw-SQL write to run inside the transaction, after the tracked rows were saved.</summary>
    public void Write(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, CancellationToken, Task> write) => _writes.Add(write);

    internal async Task RunWritesAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, CancellationToken ct)
    {
        foreach (var write in _writes)
        {
            await write(connection, tx, ct);
        }
    }

    internal void RunAfterCommit()
    {
        foreach (var action in _afterCommit)
        {
            action();
        }
    }
}

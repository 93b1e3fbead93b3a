using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Hubix.Kernel;
using Microsoft.EntityFrameworkCore.Storage;

namespace Hubix.Data;

/// <summary>
/// One business transaction: read and plan first, then write everything at once. Callers read through <see cref="Db"/>
/// (outside the transaction, as at READ COMMITTED) and add or change tracked rows; <see cref="CommitAsync"/> then takes
/// the SQLite write gate, runs the <see cref="Guard"/>s, saves the tracked rows (and what <see cref="AfterSave"/> changes), runs the planned <see cref="Write"/>s,
/// commits, and runs every <see cref="AfterCommit"/> action. The inbox worker, the agent, the daily send, the operator's
/// actions and the resend all work this way, so a use case (an unlock, a consent change) behaves the same whoever
/// calls it, and its after-commit actions (wake the dispatcher, tell the live feed) always run.
/// </summary>
/// <remarks>
/// Reading before the transaction keeps SQLite's single write lock, which the webhook intake also needs, held only for
/// the writes. It is safe because what must not happen twice is guarded by unique keys (an interaction's dedupe key, an
/// outbox row's idempotency key, an unlock's tap id): a row another transaction stored meanwhile fails this commit, and
/// the caller retries and then sees it.
/// </remarks>
public sealed class UnitOfWork : IAsyncDisposable
{
    private readonly HubixDb _db;
    private readonly List<Func<DbConnection, DbTransaction, CancellationToken, Task<bool>>> _guards = [];
    private readonly List<Func<DbConnection, DbTransaction, CancellationToken, Task>> _writes = [];
    private readonly List<Action> _afterSave = [];
    private readonly List<Action> _afterCommit = [];
    private readonly List<LiveEvent> _live = [];
    private LiveFeed? _feed;
    private bool _committed;

    private UnitOfWork(HubixDb db, HubixDbContext context, DateTime now)
    {
        _db = db;
        Db = context;
        Now = now;
    }

    /// <summary>A new unit of work on its own context and connection (the reads and the transaction share it).</summary>
    /// <param name="now">The time this work is done at (UTC), from the caller's <see cref="TimeProvider"/>.</param>
    public static async Task<UnitOfWork> BeginAsync(HubixDb db, DateTime now, CancellationToken ct)
    {
        var context = db.CreateDbContext();
        try
        {
            await context.Database.OpenConnectionAsync(ct);
            return new UnitOfWork(db, context, now);
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    public HubixDbContext Db { get; }

    /// <summary>Processing time (UTC). Use an event's own timestamp for anything about Meta's clock.</summary>
    public DateTime Now { get; }

    /// <summary>Whether <see cref="CommitAsync"/> committed.</summary>
    public bool Committed => _committed;

    /// <summary>
    /// Runs after the commit (wake a worker, publish to the live feed). Actions must not throw: if one does, the others
    /// still run and the first exception is rethrown after them.
    /// </summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>
    /// Puts an event on the live feed if (and only if) this work commits. With replicas on PostgreSQL it is NOTIFYed inside
    /// the transaction (<see cref="PostgresLiveRelay.NotifyAsync"/>), so every replica gets it, in commit order, even if
    /// this process dies right after the commit; otherwise it is published after the commit.
    /// </summary>
    public void Publish(LiveFeed feed, LiveEvent e)
    {
        _feed = feed;
        _live.Add(e);
    }

    /// <summary>A raw-SQL write to run inside the transaction after the tracked rows were saved (their ids are known then), in the order planned.</summary>
    public void Write(Func<DbConnection, DbTransaction, CancellationToken, Task> write) => _writes.Add(write);

    /// <summary>
    /// Runs inside the transaction once the tracked rows were saved, to change tracked rows with the ids the database just
    /// gave (e.g. link a reply to its outbox row); those changes are saved before the commit.
    /// </summary>
    public void AfterSave(Action action) => _afterSave.Add(action);

    /// <summary>
    /// A conditional write that runs first inside the transaction; when it returns false (e.g. "mark this turn answered
    /// only if still pending" hit no row: another worker got there first) nothing is written and <see cref="CommitAsync"/>
    /// returns false.
    /// </summary>
    public void Guard(Func<DbConnection, DbTransaction, CancellationToken, Task<bool>> guard) => _guards.Add(guard);

    /// <summary>Writes everything planned in one transaction and runs the after-commit actions; false when a guard said no.</summary>
    public async Task<bool> CommitAsync(CancellationToken ct)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work has already committed.");
        }

        // One scan of the tracked rows before the gate (callers may turn automatic detection off for big batches).
        Db.ChangeTracker.DetectChanges();
        List<byte[]>? localOnly;
        using (await _db.EnterWriteAsync(ct))
        {
            await using var tx = await Db.Database.BeginTransactionAsync(ct);
            var connection = Db.Database.GetDbConnection();
            var transaction = tx.GetDbTransaction();
            foreach (var guard in _guards)
            {
                if (!await guard(connection, transaction, ct))
                {
                    await tx.RollbackAsync(ct);
                    return false;
                }
            }

            await Db.SaveChangesAsync(ct);
            if (_afterSave.Count > 0)
            {
                foreach (var action in _afterSave)
                {
                    action();
                }

                Db.ChangeTracker.DetectChanges();
                await Db.SaveChangesAsync(ct);
            }

            foreach (var write in _writes)
            {
                await write(connection, transaction, ct);
            }

            localOnly = await NotifyInTransactionAsync(connection, transaction, ct);
            await tx.CommitAsync(ct);
            _committed = true;
        }

        PublishAfterCommit(localOnly);
        RunAfterCommit();
        return true;
    }

    /// <summary>null when the events were not NOTIFYed (one process): they are published after the commit.</summary>
    private async Task<List<byte[]>?> NotifyInTransactionAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        if (_live.Count == 0 || _feed?.Relay is null || !_db.IsPostgres)
        {
            return null;
        }

        var events = new List<byte[]>(_live.Count);
        foreach (var e in _live)
        {
            try
            {
                events.Add(LiveFeed.Serialize(e));
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                // A feature's bad Data object must not fail the business transaction (as LiveFeed.Publish).
            }
        }

        return await PostgresLiveRelay.NotifyAsync(connection, transaction, events, ct);
    }

    private void PublishAfterCommit(List<byte[]>? localOnly)
    {
        if (_feed is null)
        {
            return;
        }

        if (localOnly is null)
        {
            _live.ForEach(_feed.Publish);
            return;
        }

        localOnly.ForEach(_feed.DeliverLocal);
    }

    private void RunAfterCommit()
    {
        Exception? first = null;
        foreach (var action in _afterCommit)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                first ??= ex;
            }
        }

        if (first is not null)
        {
            throw new InvalidOperationException("An after-commit action failed; the transaction itself committed.", first);
        }
    }

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

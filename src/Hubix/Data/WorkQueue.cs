using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Hubix.Data;

/// <summary>
/// A work table as a queue: the inbox (webhook bodies), the outbox (messages to send) and the agent's conversation
/// turns. Each row has a state, an attempt count, a due time and a lease; workers on any replica claim due rows by setting
/// the lease (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL hands each row to one of them), and a row whose work failed is
/// retried with exponential back-off or given up on. Table and column names come from the EF model and states from the
/// feature's enum, so a rename is a compile error or a migration, never a silently wrong SQL string.
/// </summary>
/// <typeparam name="TRow">The entity; it has <c>Id</c>, <c>State</c>, <c>Attempts</c>, <c>NextAttemptAt</c> and <c>LeaseUntil</c>.</typeparam>
/// <typeparam name="TState">Its state enum.</typeparam>
public sealed class WorkQueue<TRow, TState>
    where TRow : class
    where TState : struct, Enum
{
    private readonly HubixDb _db;

    // Read from the model once: a claim runs hundreds of times a second, and EF's metadata lookups are not free.
    private readonly Dictionary<string, string> _columns = new(StringComparer.Ordinal);

    public WorkQueue(HubixDb db, TState pending)
    {
        _db = db;
        Pending = pending;
        using var context = db.CreateDbContext();
        var entity = context.Model.FindEntityType(typeof(TRow)) ?? throw new InvalidOperationException(typeof(TRow).Name + " is not in the model.");
        var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        Table = Quote(store.Name);
        foreach (var property in entity.GetProperties())
        {
            _columns[property.Name] = Quote(property.GetColumnName(store)!);
        }
    }

    /// <summary>The state of a row waiting for work.</summary>
    public TState Pending { get; }

    /// <summary>The quoted table name.</summary>
    public string Table { get; }

    /// <summary>The quoted column of an entity property, e.g. <c>Column(nameof(InboxEvent.Priority))</c>.</summary>
    public string Column(string property) =>
        _columns.TryGetValue(property, out var column) ? column : throw new ArgumentException($"{typeof(TRow).Name} has no property {property}.", nameof(property));

    /// <summary>A state as the number stored.</summary>
    public static int Value(TState state) => Convert.ToInt32(state, CultureInfo.InvariantCulture);

    /// <summary>
    /// A command that claims up to <paramref name="limit"/> due rows (state <see cref="Pending"/>, due, no live lease) in
    /// <paramref name="orderBy"/> order, leases them until <paramref name="now"/> + <paramref name="lease"/>, optionally
    /// moves them to <paramref name="claimedState"/>, and returns <c>Id</c> and then <paramref name="returning"/>.
    /// </summary>
    /// <param name="orderBy">Properties; an index on (State, these) keeps the claim a short index walk.</param>
    /// <param name="due">Extra SQL that a due row must satisfy, over alias <c>o</c> (e.g. "the previous item of its group went out").</param>
    /// <param name="returning">Properties, or raw SQL expressions over the table (for computed columns).</param>
    public DbCommand ClaimCommand(
        DbConnection connection, DateTime now, TimeSpan lease, int limit, IReadOnlyList<string> orderBy, IReadOnlyList<string> returning,
        TState? claimedState = null, string? due = null)
    {
        var (id, state, next, leaseUntil) = (Column("Id"), Column("State"), Column("NextAttemptAt"), Column("LeaseUntil"));
        var cmd = connection.CreateCommand();
        var set = claimedState is { } claimed
            ? $"{state} = {Value(claimed).ToString(CultureInfo.InvariantCulture)}, {leaseUntil} = @lease"
            : $"{leaseUntil} = @lease";
        // Inbox rows and agent turns stay Pending while a worker has them, so their lease is what marks them taken; outbox
        // rows move to Sending when claimed, so their state does.
        var leaseFree = claimedState is null ? $" AND (o.{leaseUntil} IS NULL OR o.{leaseUntil} < @now)" : "";
        cmd.CommandText =
            $"UPDATE {Table} SET {set} WHERE {id} IN (" +
            $"SELECT o.{id} FROM {Table} o WHERE o.{state} = {Value(Pending).ToString(CultureInfo.InvariantCulture)} AND o.{next} <= @now{leaseFree}" +
            (due is null ? "" : " AND (" + due + ")") +
            " ORDER BY " + string.Join(", ", orderBy.Select(p => "o." + Column(p))) + " LIMIT @limit" + _db.SkipLocked + ") " +
            $"RETURNING {id}" + string.Concat(returning.Select(r => ", " + (r.Contains(' ', StringComparison.Ordinal) ? r : Column(r))));
        cmd.AddParameter("@lease", now + lease);
        cmd.AddParameter("@now", now);
        cmd.AddParameter("@limit", limit);
        return cmd;
    }

    /// <summary>Claims and reads the rows in one call (see <see cref="ClaimCommand"/>), sorted by id.</summary>
    public async Task<List<T>> ClaimAsync<T>(
        DateTime now, TimeSpan lease, int limit, IReadOnlyList<string> orderBy, IReadOnlyList<string> returning, Func<DbDataReader, T> read,
        Func<T, long> idOf, CancellationToken ct, TState? claimedState = null, string? due = null)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        using var gate = await _db.EnterWriteAsync(ct);
        await using var cmd = ClaimCommand(connection, now, lease, limit, orderBy, returning, claimedState, due);
        var rows = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }

        rows.Sort((a, b) => idOf(a).CompareTo(idOf(b)));
        return rows;
    }

    /// <summary>
    /// Records a failed attempt at a leased row: back to due after <see cref="Backoff.Next"/> (capped at
    /// <paramref name="maxDelay"/>), or, after <paramref name="maxAttempts"/>, <paramref name="givenUp"/>. The lease is
    /// released either way; <paramref name="errorProperty"/> keeps the reason. Returns true when it gave up.
    /// </summary>
    public async Task<bool> FailAsync(
        long id, int attempts, int maxAttempts, TimeSpan maxDelay, TState givenUp, string errorProperty, string error, DateTime now, CancellationToken ct)
    {
        var gaveUp = attempts >= maxAttempts;
        await using var connection = await _db.OpenConnectionAsync(ct);
        using var gate = await _db.EnterWriteAsync(ct);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText =
            $"UPDATE {Table} SET {Column("Attempts")} = @attempts, {Column("LeaseUntil")} = NULL, {Column(errorProperty)} = @error, " +
            (gaveUp ? $"{Column("State")} = @state" : $"{Column("NextAttemptAt")} = @next") +
            $" WHERE {Column("Id")} = @id AND {Column("State")} = {Value(Pending).ToString(CultureInfo.InvariantCulture)}";
        cmd.AddParameter("@attempts", attempts);
        cmd.AddParameter("@error", error.Length <= 512 ? error : error[..512]);
        cmd.AddParameter("@state", Value(givenUp));
        cmd.AddParameter("@next", now + Backoff.Next(attempts, maxDelay));
        cmd.AddParameter("@id", id);
        await cmd.ExecuteNonQueryAsync(ct);
        return gaveUp;
    }

    private static string Quote(string name) => "\"" + name + "\"";
}

/// <summary>Retry delays: 1 s, 2 s, 4 s ... up to a cap, ±20 % jitter so the retries of a burst spread out.</summary>
public static class Backoff
{
    public static TimeSpan Next(int attempts, TimeSpan max) =>
        TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, Math.Pow(2, Math.Max(0, attempts - 1))) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
}

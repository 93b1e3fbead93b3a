using System.Data.Common;
using System.Globalization;
using System.Text;
using Hubix.Data;
using Hubix.WhatsApp.Client;

namespace Hubix.Delivery;

/// <summary>A row the dispatcher claimed (state <c>Sending</c>, leased to this process).</summary>
/// <param name="HeldBy">The <see cref="OutboxHold.Reason"/> of the first hold that matched the row when it was claimed
/// (then it is cancelled without a call), else null.</param>
internal sealed record ClaimedRow(
    long Id, string Recipient, string Kind, string Payload, int Attempts, DateTime? ExpiresAt, string? GroupKey, int Position, string Purpose, bool PreviousFailed,
    string? HeldBy = null);

internal enum OutcomeKind
{
    /// <summary>Meta accepted it: state Accepted with the wamid.</summary>
    Accepted,

    /// <summary>Back to Queued, due at NextAttemptAt (retryable error, pacing, auth pause, shutdown).</summary>
    Requeue,

    /// <summary>Final failure.</summary>
    Failed,

    /// <summary>No usable answer and the request may have reached Meta: stays Sending with an expired lease, so
    /// reconciliation looks for a status webhook before it is sent again.</summary>
    Uncertain,

    /// <summary>A hold matched it at claim time: state Cancelled with the hold's reason, never sent.</summary>
    Cancelled,
}

/// <summary>What happened to one claimed row; written in batches by <see cref="OutboxStore.WriteAsync"/>.</summary>
internal sealed record SendOutcome(
    ClaimedRow Row,
    OutcomeKind Kind,
    int Attempts,
    string? WaMessageId = null,
    DateTime? NextAttemptAt = null,
    int? ErrorCode = null,
    string? ErrorReason = null,
    ErrorClass? ErrorClass = null);

/// <summary>
/// The outbox's hot-path SQL on raw connections, the same text for SQLite and PostgreSQL (PostgreSQL adds
/// <c>FOR UPDATE SKIP LOCKED</c>). Every update is conditional on the state it expects, so the dispatcher, status
/// webhooks and other replicas can race without moving a row backwards. Each write holds <see cref="HubixDb.EnterWriteAsync"/>
/// so on SQLite the dispatcher queues behind the webhook intake in memory, not in SQLite's sleeping busy handler.
/// </summary>
internal sealed class OutboxStore(HubixDb db, IReadOnlyList<OutboxHold>? holds = null)
{
    private readonly IReadOnlyList<OutboxHold> _holds = holds ?? [];
    private readonly WorkQueue<OutboxMessage, OutboxState> _queue = new(db, OutboxState.Queued);
    // The claim's SQL parts, built from the model on first use and kept: the dispatcher claims hundreds of times a second.
    private string? _claimDue;
    private string[]? _claimReturning;

    // The states as stored, for the SQL below: the enum is the one truth, the numbers are never spelled.
    private static readonly string Queued = OutboxStates.Sql(OutboxState.Queued);
    private static readonly string Sending = OutboxStates.Sql(OutboxState.Sending);
    private static readonly string Accepted = OutboxStates.Sql(OutboxState.Accepted);
    private static readonly string Failed = OutboxStates.Sql(OutboxState.Failed);
    private static readonly string Cancelled = OutboxStates.Sql(OutboxState.Cancelled);

    private const int ChunkSize = 100;
    private const int MaxReasonLength = 1000;

    /// <summary>
    /// How long a status that matched no outbox row is kept. A send's answer comes within seconds and reconciliation
    /// within minutes, so a week is far past anything of ours still waiting for it; what is left by then is statuses of
    /// messages other apps sent from the same number, or of a resent copy whose row kept the first wamid.
    /// </summary>
    internal static readonly TimeSpan UnmatchedRetention = TimeSpan.FromDays(7);

    /// <summary>How far back (by receipt) the sweep looks for kept statuses whose row appeared; see <see cref="SweepUnmatchedAsync"/>.</summary>
    private static readonly TimeSpan SweepWindow = TimeSpan.FromHours(1);

    // Per maintenance round (every few seconds), so one round stays a short transaction whatever piled up.
    private const int SweepLimit = 500;
    private const int ExpireLimit = 1000;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows and marks them Sending until <paramref name="leaseUntil"/>. A row in
    /// a group is due only when no lower position of its group is Queued or Sending (so k+1 goes only after k was
    /// accepted, or failed: then it comes back with <see cref="ClaimedRow.PreviousFailed"/> and is failed without a
    /// call). Rows past <see cref="OutboxMessage.ExpiresAt"/> are claimed regardless, to be failed without a call.
    /// </summary>
    public Task<List<ClaimedRow>> ClaimAsync(int limit, DateTime now, DateTime leaseUntil, CancellationToken ct) =>
        _queue.ClaimAsync(now, leaseUntil - now, limit, ClaimOrder, _claimReturning ??= ClaimReturning(), ReadClaimed, r => r.Id, ct,
            claimedState: OutboxState.Sending, due: _claimDue ??= ClaimDue());

    private static readonly string[] ClaimOrder = [nameof(OutboxMessage.Priority), nameof(OutboxMessage.NextAttemptAt), nameof(OutboxMessage.Id)];

    /// <summary>
    /// A row is due when it is in no group, or past its deadline (to be failed without a call), or when no lower position
    /// of its group is still queued or sending.
    /// </summary>
    /// <remarks>
    /// "State" + 0 in the group subqueries: a group has a handful of rows, found by (GroupKey, Position). Without the + 0,
    /// PostgreSQL with young statistics (a table that grew from empty in the last minute, not yet analyzed) combined that
    /// lookup with the State index, reading 17,000 index entries per candidate row: 1.8 to 2.4 s per claim in the
    /// PostgreSQL clickstorm, 3.6 ms with it (EXPLAIN ANALYZE, same data; BENCHMARKS.md).
    /// </remarks>
    private string ClaimDue()
    {
        var (t, q) = (_queue.Table, _queue);
        return $"o.{q.Column("GroupKey")} IS NULL OR (o.{q.Column("ExpiresAt")} IS NOT NULL AND o.{q.Column("ExpiresAt")} <= @now) OR NOT EXISTS (" +
            $"SELECT 1 FROM {t} p WHERE p.{q.Column("GroupKey")} = o.{q.Column("GroupKey")} AND p.{q.Column("Position")} < o.{q.Column("Position")} " +
            $"AND p.{q.Column("State")} + 0 IN ({Queued}, {Sending}))";
    }

    /// <summary>The row's columns, and whether an earlier member of its group failed (then it fails without a call).</summary>
    private string[] ClaimReturning()
    {
        var (t, q) = (_queue.Table, _queue);
        var previousFailed =
            $"CASE WHEN {q.Column("GroupKey")} IS NOT NULL AND EXISTS (SELECT 1 FROM {t} f WHERE f.{q.Column("GroupKey")} = {t}.{q.Column("GroupKey")} " +
            $"AND f.{q.Column("Position")} < {t}.{q.Column("Position")} AND f.{q.Column("State")} + 0 = {Failed}) THEN 1 ELSE 0 END";
        // Which hold (1-based) stops the row, 0 for none: evaluated per claimed row in the claim itself, so consent is
        // checked at the last moment before the send at the cost of an index seek, not another round trip.
        var held = _holds.Count == 0
            ? "0 + 0"
            : "CASE " + string.Concat(_holds.Select((h, i) => $"WHEN ({h.Condition(t)}) THEN {(i + 1).ToString(CultureInfo.InvariantCulture)} ")) + "ELSE 0 END";
        return [nameof(OutboxMessage.Recipient), nameof(OutboxMessage.Kind), nameof(OutboxMessage.Payload), nameof(OutboxMessage.Attempts),
            nameof(OutboxMessage.ExpiresAt), nameof(OutboxMessage.GroupKey), nameof(OutboxMessage.Position), nameof(OutboxMessage.Purpose), previousFailed, held];
    }

    // Rows are buffered once ReadAsync returned (default, non-sequential access): reading columns does not block.
    private ClaimedRow ReadClaimed(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetInt32(4),
        reader.IsDBNull(5) ? null : Utc(reader.GetDateTime(5)),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetInt32(7),
        reader.GetString(8),
        Convert.ToInt32(reader.GetValue(9), CultureInfo.InvariantCulture) == 1,
        Convert.ToInt32(reader.GetValue(10), CultureInfo.InvariantCulture) is > 0 and var hold ? _holds[hold - 1].Reason : null);

    /// <summary>
    /// Writes a batch of outcomes in one transaction: the rows, the rest of a failed row's group (failed with
    /// <c>previous_failed</c>), an <c>out</c> interaction per accepted message, and any status webhooks that arrived
    /// for an accepted wamid before we knew it. Returns the changes to announce after the commit.
    /// </summary>
    public async Task<List<DeliveryStateChange>> WriteAsync(IReadOnlyList<SendOutcome> outcomes, DateTime now, CancellationToken ct)
    {
        var changes = new List<DeliveryStateChange>();
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        foreach (var chunk in outcomes.Chunk(ChunkSize))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder();
            cmd.AddParameter("@now", now);
            for (var i = 0; i < chunk.Length; i++)
            {
                var o = chunk[i];
                var p = "@p" + i.ToString(CultureInfo.InvariantCulture);
                cmd.AddParameter(p + "id", o.Row.Id);
                cmd.AddParameter(p + "a", o.Attempts);
                switch (o.Kind)
                {
                    case OutcomeKind.Accepted:
                        cmd.AddParameter(p + "w", o.WaMessageId!);
                        cmd.AddParameter(p + "k", "out:" + o.Row.Id.ToString(CultureInfo.InvariantCulture));
                        cmd.AddParameter(p + "r", o.Row.Recipient);
                        cmd.AddParameter(p + "t", o.Row.Kind);
                        cmd.AddParameter(p + "u", o.Row.Purpose);
                        cmd.AddParameter(p + "c", o.Row.Id.ToString(CultureInfo.InvariantCulture));
                        // A status webhook may have moved it already (matched by callback data): never backwards.
                        sql.Append("UPDATE \"OutboxMessages\" SET \"State\" = CASE WHEN \"State\" < " + Accepted + " THEN " + Accepted + " ELSE \"State\" END, ")
                            .Append("\"WaMessageId\" = COALESCE(\"WaMessageId\", ").Append(p).Append("w), \"AcceptedAt\" = @now, \"LeaseUntil\" = NULL, ")
                            .Append("\"Attempts\" = ").Append(p).Append("a, ")
                            .Append("\"ErrorCode\" = CASE WHEN \"State\" = " + Failed + " THEN \"ErrorCode\" ELSE NULL END, ")
                            .Append("\"ErrorReason\" = CASE WHEN \"State\" = " + Failed + " THEN \"ErrorReason\" ELSE NULL END ")
                            .Append("WHERE \"Id\" = ").Append(p).Append("id;\n");
                        sql.Append("INSERT INTO \"Interactions\" (\"At\", \"RecordedAt\", \"Phone\", \"Direction\", \"Type\", \"Payload\", \"WaMessageId\", \"Context\", \"DedupeKey\") VALUES (")
                            .Append("@now, @now, ").Append(p).Append("r, 'out', ").Append(p).Append("t, ").Append(p).Append("u, ")
                            .Append(p).Append("w, ").Append(p).Append("c, ").Append(p).Append("k) ON CONFLICT (\"DedupeKey\") DO NOTHING;\n");
                        break;
                    case OutcomeKind.Requeue:
                        cmd.AddParameter(p + "n", o.NextAttemptAt ?? now);
                        cmd.AddParameter(p + "e", o.ErrorCode);
                        cmd.AddParameter(p + "m", Truncate(o.ErrorReason));
                        sql.Append("UPDATE \"OutboxMessages\" SET \"State\" = " + Queued + ", \"LeaseUntil\" = NULL, \"NextAttemptAt\" = ").Append(p).Append("n, ")
                            .Append("\"Attempts\" = ").Append(p).Append("a, ")
                            .Append("\"ErrorCode\" = COALESCE(").Append(p).Append("e, \"ErrorCode\"), \"ErrorReason\" = COALESCE(").Append(p).Append("m, \"ErrorReason\") ")
                            .Append("WHERE \"Id\" = ").Append(p).Append("id AND \"State\" = " + Sending + ";\n");
                        break;
                    case OutcomeKind.Failed:
                        cmd.AddParameter(p + "e", o.ErrorCode);
                        cmd.AddParameter(p + "m", Truncate(o.ErrorReason));
                        sql.Append("UPDATE \"OutboxMessages\" SET \"State\" = " + Failed + ", \"LeaseUntil\" = NULL, \"FailedAt\" = @now, ")
                            .Append("\"Attempts\" = ").Append(p).Append("a, \"ErrorCode\" = ").Append(p).Append("e, \"ErrorReason\" = ").Append(p).Append("m ")
                            .Append("WHERE \"Id\" = ").Append(p).Append("id AND \"State\" = " + Sending + ";\n");
                        break;
                    case OutcomeKind.Cancelled:
                        cmd.AddParameter(p + "m", Truncate(o.ErrorReason));
                        sql.Append("UPDATE \"OutboxMessages\" SET \"State\" = " + Cancelled + ", \"LeaseUntil\" = NULL, \"ErrorReason\" = ").Append(p).Append("m ")
                            .Append("WHERE \"Id\" = ").Append(p).Append("id AND \"State\" = " + Sending + ";\n");
                        break;
                    case OutcomeKind.Uncertain:
                        cmd.AddParameter(p + "e", o.ErrorCode);
                        cmd.AddParameter(p + "m", Truncate(o.ErrorReason));
                        sql.Append("UPDATE \"OutboxMessages\" SET \"LeaseUntil\" = @now, ")
                            .Append("\"Attempts\" = ").Append(p).Append("a, \"ErrorCode\" = ").Append(p).Append("e, \"ErrorReason\" = ").Append(p).Append("m ")
                            .Append("WHERE \"Id\" = ").Append(p).Append("id AND \"State\" = " + Sending + ";\n");
                        break;
                    default:
                        throw new InvalidOperationException(o.Kind.ToString());
                }
            }

            cmd.CommandText = sql.ToString();
            await cmd.ExecuteNonQueryAsync(ct);
        }

        foreach (var o in outcomes)
        {
            switch (o.Kind)
            {
                case OutcomeKind.Accepted:
                    changes.Add(new DeliveryStateChange(o.Row.Id, o.Row.Recipient, OutboxState.Accepted, now, o.WaMessageId, Outbox.Parse(o.Row.Purpose)));
                    break;
                case OutcomeKind.Failed:
                    changes.Add(new DeliveryStateChange(o.Row.Id, o.Row.Recipient, OutboxState.Failed, now, null, Outbox.Parse(o.Row.Purpose), o.ErrorCode, o.ErrorReason, o.ErrorClass));
                    if (o.Row.GroupKey is not null)
                    {
                        changes.AddRange(await FailRestOfGroupAsync(connection, tx, o.Row, now, ct));
                    }

                    break;
                case OutcomeKind.Cancelled:
                    changes.Add(new DeliveryStateChange(o.Row.Id, o.Row.Recipient, OutboxState.Cancelled, now, null, Outbox.Parse(o.Row.Purpose), null, o.ErrorReason));
                    break;
                case OutcomeKind.Requeue:
                case OutcomeKind.Uncertain:
                    break;
                default:
                    throw new InvalidOperationException(o.Kind.ToString());
            }
        }

        var accepted = outcomes.Where(o => o.Kind == OutcomeKind.Accepted).Select(o => o.WaMessageId!).ToList();
        if (accepted.Count > 0)
        {
            changes.AddRange(await ApplyEarlierStatusesAsync(connection, tx, accepted, ct));
        }

        await tx.CommitAsync(ct);
        return changes;
    }

    /// <summary>The rest of a group whose member failed is not sent out of order: it fails with <c>previous_failed</c>.</summary>
    private static async Task<List<DeliveryStateChange>> FailRestOfGroupAsync(DbConnection connection, DbTransaction tx, ClaimedRow failed, DateTime now, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText =
            "UPDATE \"OutboxMessages\" SET \"State\" = " + Failed + ", \"FailedAt\" = @now, \"LeaseUntil\" = NULL, \"ErrorCode\" = NULL, \"ErrorReason\" = @reason " +
            "WHERE \"GroupKey\" = @g AND \"Position\" > @pos AND \"State\" = " + Queued + " RETURNING \"Id\", \"Recipient\", \"Purpose\"";
        cmd.AddParameter("@now", now);
        cmd.AddParameter("@reason", FailureReasons.PreviousFailed);
        cmd.AddParameter("@g", failed.GroupKey!);
        cmd.AddParameter("@pos", failed.Position);
        var changes = new List<DeliveryStateChange>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            changes.Add(new DeliveryStateChange(reader.GetInt64(0), reader.GetString(1), OutboxState.Failed, now, null, Outbox.Parse(reader.GetString(2)), null, FailureReasons.PreviousFailed));
        }

        return changes;
    }

    /// <summary>
    /// Status webhooks that reached us before the send's answer (the inbox kept them in <c>UnmatchedStatuses</c>): apply
    /// them now, in Meta's time order, and drop the applied ones.
    /// </summary>
    private async Task<List<DeliveryStateChange>> ApplyEarlierStatusesAsync(DbConnection connection, DbTransaction tx, List<string> wamids, CancellationToken ct)
    {
        var statuses = new List<KeptStatus>();
        foreach (var chunk in wamids.Chunk(ChunkSize))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            // SKIP LOCKED: a kept row locked by another replica's sweep is being applied by it, and that sweep may be
            // waiting for the outbox row this transaction holds; waiting for it here would deadlock.
            cmd.CommandText = SelectKept + "WHERE \"WaMessageId\" IN (" + InList(cmd, "@w", chunk) + ")" + LockClause;
            statuses.AddRange(await ReadKeptAsync(cmd, ct));
        }

        return (await ApplyKeptAsync(connection, tx, statuses, ct)).Changes;
    }

    /// <summary>
    /// Reconciles <c>Sending</c> rows whose lease ran out (a dispatcher died mid-send, or a call ended without a usable
    /// answer). A status webhook carrying the row's id (its <c>biz_opaque_callback_data</c>) means Meta accepted it:
    /// adopt its wamid and state, never resend. Without one, the row is requeued only once
    /// <paramref name="grace"/> has passed since the lease ran out.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A status that arrives while the row is lease-expired <c>Sending</c> with no wamid is matched by its id at once (see
    /// <see cref="StatusSql"/>); one that matched nothing then (its transaction raced another) waits in
    /// <c>UnmatchedStatuses</c>, which is what this reads.
    /// </para>
    /// <para>
    /// The remaining at-least-once window: Meta accepted the message, we lost the answer (crash, timeout, dropped
    /// connection), and no status webhook for it arrived within the grace (webhooks delayed or undeliverable, or the
    /// message is held by Meta). Then the message is sent again and the advisor sees it twice. A longer grace narrows
    /// the window at the cost of a later message; a status arriving after the resend is matched by wamid to whichever
    /// send Meta reports, and the first wamid stored wins.
    /// </para>
    /// </remarks>
    /// <summary>
    /// On taking over dispatch: rows left <c>Sending</c> by the process that dispatched before (dead, or demoted and
    /// finishing its last calls) get their lease cut to <paramref name="until"/>, when any call of theirs has ended, so
    /// that reconciliation looks at them then instead of after the full <c>Hubix:Delivery:Lease</c>.
    /// </summary>
    public async Task<int> CutLeasesAsync(DateTime until, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE \"OutboxMessages\" SET \"LeaseUntil\" = @until WHERE \"State\" = " + Sending + " AND \"LeaseUntil\" > @until";
        cmd.AddParameter("@until", until);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<(List<DeliveryStateChange> Changes, int Adopted, int Requeued)> ReconcileAsync(DateTime now, TimeSpan grace, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var expired = new List<(long Id, DateTime LeaseUntil)>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT \"Id\", \"LeaseUntil\" FROM \"OutboxMessages\" WHERE \"State\" = " + Sending + " AND \"LeaseUntil\" < @now ORDER BY \"Id\" LIMIT 500" + LockClause;
            cmd.AddParameter("@now", now);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                expired.Add((reader.GetInt64(0), Utc(reader.GetDateTime(1))));
            }
        }

        if (expired.Count == 0)
        {
            await tx.CommitAsync(ct);
            return ([], 0, 0);
        }

        var statuses = new List<KeptStatus>();
        foreach (var chunk in expired.Chunk(ChunkSize))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            // SKIP LOCKED: as in ApplyEarlierStatusesAsync; a row another replica's sweep holds is applied by it.
            cmd.CommandText = SelectKept + "WHERE \"OutboxId\" IN (" + InList(cmd, "@c", chunk.Select(e => e.Id)) + ")" + LockClause;
            statuses.AddRange(await ReadKeptAsync(cmd, ct));
        }

        var (applied, changes) = await ApplyKeptAsync(connection, tx, statuses, ct);
        var adopted = applied.Select(s => s.OutboxId!.Value).ToHashSet();

        var requeue = expired.Where(e => !adopted.Contains(e.Id) && e.LeaseUntil + grace <= now).Select(e => e.Id).ToList();
        foreach (var chunk in requeue.Chunk(ChunkSize))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE \"OutboxMessages\" SET \"State\" = " + Queued + ", \"LeaseUntil\" = NULL, \"NextAttemptAt\" = @now WHERE \"State\" = " + Sending + " AND \"Id\" IN (" +
                InList(cmd, "@i", chunk.Cast<object>()) + ")";
            cmd.AddParameter("@now", now);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (changes, adopted.Count, requeue.Count);
    }

    /// <summary>
    /// Applies kept statuses whose row can be found now, and drops the ones past <see cref="UnmatchedRetention"/>. Runs with
    /// every maintenance round.
    /// </summary>
    /// <remarks>
    /// Its real job is a race on PostgreSQL (SQLite has one writer at a time, so there one transaction always sees the
    /// other's work). The inbox transaction that applies a status for wamid W and the writer's transaction that stores W on
    /// its row (<see cref="WriteAsync"/>) can run at the same time at READ COMMITTED: the status's update does not see the
    /// uncommitted W and matches no row (by callback id it waits for the row lock and then finds a wamid already set), so
    /// the status is kept; and the writer's look for earlier statuses does not see the uncommitted kept row. Both commit,
    /// and neither applied the status. Once both have committed the pair is visible here. A race commits within
    /// seconds, so only rows received within <see cref="SweepWindow"/> are looked at: the table also holds, for a week,
    /// the statuses of messages other apps sent from the same number, and those are not read again every round.
    /// </remarks>
    public async Task<(List<DeliveryStateChange> Changes, int Applied, int Expired)> SweepUnmatchedAsync(DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        List<KeptStatus> found;
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            // The subqueries are in WHERE, so FOR UPDATE locks only the kept rows, never outbox rows.
            cmd.CommandText = SelectKept + "u WHERE u.\"ReceivedAt\" >= @since AND (" +
                "EXISTS (SELECT 1 FROM \"OutboxMessages\" o WHERE o.\"WaMessageId\" = u.\"WaMessageId\") OR " +
                "(u.\"OutboxId\" IS NOT NULL AND EXISTS (SELECT 1 FROM \"OutboxMessages\" o WHERE o.\"Id\" = u.\"OutboxId\" AND o.\"WaMessageId\" IS NULL))) " +
                "ORDER BY u.\"Id\" LIMIT @limit" + LockClause;
            cmd.AddParameter("@since", now - SweepWindow);
            cmd.AddParameter("@limit", SweepLimit);
            found = await ReadKeptAsync(cmd, ct);
        }

        var (applied, changes) = await ApplyKeptAsync(connection, tx, found, ct);

        int expired;
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "DELETE FROM \"UnmatchedStatuses\" WHERE \"Id\" IN (SELECT \"Id\" FROM \"UnmatchedStatuses\" " +
                "WHERE \"ReceivedAt\" < @cutoff LIMIT @limit" + LockClause + ")";
            cmd.AddParameter("@cutoff", now - UnmatchedRetention);
            cmd.AddParameter("@limit", ExpireLimit);
            expired = await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (changes, applied.Count, expired);
    }

    private string LockClause => db.SkipLocked;

    private const string SelectKept =
        "SELECT \"Id\", \"WaMessageId\", \"OutboxId\", \"Status\", \"At\", \"ErrorCode\", \"ErrorDetails\" FROM \"UnmatchedStatuses\" ";

    private sealed record KeptStatus(long Id, string WaMessageId, long? OutboxId, string Status, DateTime At, int? ErrorCode, string? ErrorDetails);

    private static async Task<List<KeptStatus>> ReadKeptAsync(DbCommand cmd, CancellationToken ct)
    {
        var list = new List<KeptStatus>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(ReadKept(reader));
        }

        return list;
    }

    // Buffered like ReadClaimed: reading columns of a row ReadAsync returned does not block.
    private static KeptStatus ReadKept(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetInt64(2),
        reader.GetString(3),
        Utc(reader.GetDateTime(4)),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6));

    /// <summary>
    /// Applies kept statuses in Meta's time order (ties in arrival order) and deletes those that matched a row; a miss
    /// stays kept. Returns the applied ones and the changes to announce: only a status that left its row in its own state,
    /// so that a late "delivered" applied to a row already read is not announced again.
    /// </summary>
    private static async Task<(List<KeptStatus> Applied, List<DeliveryStateChange> Changes)> ApplyKeptAsync(
        DbConnection connection, DbTransaction tx, List<KeptStatus> statuses, CancellationToken ct)
    {
        var applied = new List<KeptStatus>();
        var changes = new List<DeliveryStateChange>();
        foreach (var s in statuses.DistinctBy(s => s.Id).OrderBy(s => s.At).ThenBy(s => s.Id))
        {
            if (await StatusSql.ReapplyAsync(connection, tx, s.WaMessageId, s.OutboxId, s.Status, s.At, s.ErrorCode, s.ErrorDetails, ct) is not { } change)
            {
                continue;
            }

            applied.Add(s);
            if (StatusSql.Reached(change, s.Status))
            {
                changes.Add(change);
            }
        }

        foreach (var chunk in applied.Chunk(ChunkSize))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "DELETE FROM \"UnmatchedStatuses\" WHERE \"Id\" IN (" + InList(cmd, "@k", chunk.Select(s => s.Id)) + ")";
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return (applied, changes);
    }

    private static string InList<T>(DbCommand cmd, string prefix, IEnumerable<T> values)
    {
        var names = new List<string>();
        foreach (var v in values)
        {
            var name = prefix + names.Count.ToString(CultureInfo.InvariantCulture);
            cmd.AddParameter(name, v);
            names.Add(name);
        }

        return string.Join(", ", names);
    }

    internal static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static string? Truncate(string? s) => s is null || s.Length <= MaxReasonLength ? s : s[..MaxReasonLength];
}

/// <summary>Reasons of failures decided by Hubix (Meta's own failures carry Meta's details).</summary>
public static class FailureReasons
{
    /// <summary><see cref="OutboxMessage.ExpiresAt"/> passed before it could be sent; nothing was sent.</summary>
    public const string WindowExpired = "window_expired";

    /// <summary>An earlier message of its group failed; the rest is not sent out of order.</summary>
    public const string PreviousFailed = "previous_failed";

    /// <summary>Prefix: every attempt failed with a retryable error.</summary>
    public const string MaxAttempts = "max_attempts";
}

/// <summary>
/// Applies one status webhook to its outbox row, monotonically: the state only moves forward
/// (sent &lt; delivered &lt; read; <c>failed</c> wins over queued/sending/accepted/sent but not over delivered/read),
/// each timestamp keeps its first value (Meta's clock), and a duplicate or late webhook changes nothing. Matches by
/// wamid, else by the outbox id Meta echoed in <c>biz_opaque_callback_data</c> (which also stores the wamid). A status
/// that matches no row is kept in <c>UnmatchedStatuses</c> (<see cref="UnmatchedStatus"/>) for the outbox to apply later.
/// </summary>
internal static class StatusSql
{
    private static readonly string Sending = OutboxStates.Sql(OutboxState.Sending);
    private static readonly string Delivered = OutboxStates.Sql(OutboxState.Delivered);
    private static readonly string Failed = OutboxStates.Sql(OutboxState.Failed);

    private static DeliveryStateChange ReadChange(DbDataReader reader, string wamid, DateTime at)
    {
        var state = (OutboxState)reader.GetInt32(2);
        var code = reader.IsDBNull(4) ? (int?)null : reader.GetInt32(4);
        var failed = state == OutboxState.Failed;
        return new DeliveryStateChange(
            reader.GetInt64(0), reader.GetString(1), state, at, wamid, Outbox.Parse(reader.GetString(3)),
            failed ? code : null,
            failed && !reader.IsDBNull(5) ? reader.GetString(5) : null,
            failed && code is { } c ? ErrorClassifier.Classify(c, null) : null);
    }

    private static (OutboxState Rank, string Column)? Target(string status) => status switch
    {
        "sent" => (OutboxState.Sent, "SentAt"),
        "delivered" => (OutboxState.Delivered, "DeliveredAt"),
        "read" => (OutboxState.Read, "ReadAt"),
        "failed" => (OutboxState.Failed, "FailedAt"),
        _ => null, // played, deleted, anything new: recorded as an interaction only.
    };

    /// <summary>Whether applying <paramref name="status"/> left its row in that status's state (else it changed nothing worth announcing).</summary>
    public static bool Reached(DeliveryStateChange change, string status) => Target(status) is { } t && change.State == t.Rank;

    /// <summary>
    /// Applies a status webhook as it arrives (the inbox, inside its transaction). When it matches no row, it is kept in
    /// <c>UnmatchedStatuses</c> in the same transaction, so it commits or rolls back with the webhook.
    /// </summary>
    public static async Task<DeliveryStateChange?> ApplyAsync(
        DbConnection connection, DbTransaction? tx, string wamid, long? outboxId, string status, DateTime at, int? errorCode, string? errorDetails,
        DateTime receivedAt, CancellationToken ct)
    {
        var change = await ReapplyAsync(connection, tx, wamid, outboxId, status, at, errorCode, errorDetails, ct);
        // The parser already drops longer ids; a caller that did not would otherwise fail the whole inbox batch on PostgreSQL.
        if (change is null && Target(status) is not null && wamid.Length <= UnmatchedStatus.MaxWaMessageIdLength)
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            // A redelivered webhook (the inbox dedupes by its interaction log, which may have been pruned) is kept once.
            cmd.CommandText =
                "INSERT INTO \"UnmatchedStatuses\" (\"WaMessageId\", \"OutboxId\", \"Status\", \"At\", \"ErrorCode\", \"ErrorDetails\", \"ReceivedAt\") " +
                "VALUES (@wamid, @id, @status, @at, @code, @details, @received) ON CONFLICT (\"WaMessageId\", \"Status\") DO NOTHING";
            cmd.AddParameter("@wamid", wamid);
            cmd.AddParameter("@id", outboxId);
            cmd.AddParameter("@status", status);
            cmd.AddParameter("@at", at);
            cmd.AddParameter("@code", errorCode);
            cmd.AddParameter("@details", Cap(errorDetails, UnmatchedStatus.MaxErrorDetailsLength));
            cmd.AddParameter("@received", receivedAt);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return change;
    }

    // Never splits a surrogate pair: PostgreSQL's client refuses to encode half of one.
    private static string? Cap(string? s, int max) =>
        s is null || s.Length <= max ? s : s[..(char.IsHighSurrogate(s[max - 1]) ? max - 1 : max)];

    /// <summary>Applies a status taken from <c>UnmatchedStatuses</c>: a miss keeps it there and stores nothing new.</summary>
    public static async Task<DeliveryStateChange?> ReapplyAsync(
        DbConnection connection, DbTransaction? tx, string wamid, long? outboxId, string status, DateTime at, int? errorCode, string? errorDetails, CancellationToken ct)
    {
        if (Target(status) is not { } t)
        {
            return null;
        }

        var (rank, column) = t;
        var set = rank == OutboxState.Failed
            ? "\"State\" = CASE WHEN \"State\" < " + Delivered + " THEN " + Failed + " ELSE \"State\" END, " +
              "\"ErrorCode\" = CASE WHEN \"State\" < " + Delivered + " THEN @code ELSE \"ErrorCode\" END, " +
              "\"ErrorReason\" = CASE WHEN \"State\" < " + Delivered + " THEN @details ELSE \"ErrorReason\" END, "
            : "\"State\" = CASE WHEN \"State\" < @rank THEN @rank ELSE \"State\" END, ";
        var sql = "UPDATE \"OutboxMessages\" SET " + set +
            "\"LeaseUntil\" = CASE WHEN \"State\" <= " + Sending + " THEN NULL ELSE \"LeaseUntil\" END, " +
            "\"WaMessageId\" = COALESCE(\"WaMessageId\", @wamid), \"" + column + "\" = COALESCE(\"" + column + "\", @at) WHERE ";
        var returning = " RETURNING \"Id\", \"Recipient\", \"State\", \"Purpose\", \"ErrorCode\", \"ErrorReason\"";

        var change = await RunAsync("\"WaMessageId\" = @wamid");
        if (change is null && outboxId is not null)
        {
            change = await RunAsync("\"Id\" = @id AND \"WaMessageId\" IS NULL");
        }

        return change;

        async Task<DeliveryStateChange?> RunAsync(string where)
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql + where + returning;
            cmd.AddParameter("@rank", (int)rank);
            cmd.AddParameter("@code", errorCode);
            cmd.AddParameter("@details", errorDetails);
            cmd.AddParameter("@wamid", wamid);
            cmd.AddParameter("@at", at);
            cmd.AddParameter("@id", outboxId ?? 0L);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            return ReadChange(reader, wamid, at);
        }
    }
}

/// <summary>Outbox states in SQL text.</summary>
internal static class OutboxStates
{
    public static string Sql(OutboxState state) => ((int)state).ToString(CultureInfo.InvariantCulture);
}

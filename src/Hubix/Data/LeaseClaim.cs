using System.Data.Common;

namespace Hubix.Data;

/// <summary>
/// Claims due rows of a work table (<c>State = 0</c>, <c>NextAttemptAt</c> passed, no live lease) by setting a lease,
/// and returns their ids. On PostgreSQL several replicas claim at once: <c>FOR UPDATE SKIP LOCKED</c> hands
/// each row to one of them, and the lease keeps it theirs until done, or until it runs out after a crash.
/// </summary>
internal static class LeaseClaim
{
    /// <param name="table">A table with Id, State, NextAttemptAt and LeaseUntil columns.</param>
    /// <param name="returning">Extra columns to return after the id (quoted, comma-separated), or empty.</param>
    /// <param name="orderBy">Which due rows first (quoted columns); an index on (State, these columns) keeps the claim cheap.</param>
    public static DbCommand Command(DbConnection connection, HubixDb db, string table, string returning, DateTime now, TimeSpan lease, int limit, string orderBy = "\"Id\"")
    {
        var cmd = connection.CreateCommand();
        var lockClause = db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "";
        cmd.CommandText =
            $"UPDATE \"{table}\" SET \"LeaseUntil\" = @lease WHERE \"Id\" IN (" +
            $"SELECT \"Id\" FROM \"{table}\" WHERE \"State\" = 0 AND \"NextAttemptAt\" <= @now " +
            "AND (\"LeaseUntil\" IS NULL OR \"LeaseUntil\" < @now) ORDER BY " + orderBy + " LIMIT @limit" + lockClause +
            ") RETURNING \"Id\"" + (returning.Length > 0 ? ", " + returning : "");
        cmd.AddParameter("@lease", now + lease);
        cmd.AddParameter("@now", now);
        cmd.AddParameter("@limit", limit);
        return cmd;
    }
}

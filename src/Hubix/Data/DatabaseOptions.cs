namespace Hubix.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>SQLite's <c>synchronous</c> setting (WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>A commit survives a process crash; power loss can drop the last commits.</summary>
    Normal,

    /// <summary>A commit survives power loss too: an fsync per commit.</summary>
    Full,
}

/// <summary><c>Hubix:Database</c>. The connection string itself is <c>ConnectionStrings:Hubix</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Hubix:Database";
    public const string DefaultSqlite = "Data Source=data/hubix.db";

    /// <summary><c>Sqlite</c> (default, one process) or <c>Postgres</c> (several replicas on one database).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the server starts (default true); otherwise run <c>hubix migrate</c>.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>SQLite: <c>Normal</c> (default) or <c>Full</c> (every acknowledged write survives power loss, at an fsync per commit).</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;
}

namespace Hubix.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
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
}

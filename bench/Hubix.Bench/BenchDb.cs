using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hubix.Bench;

/// <summary>
/// The database of one run, opened directly (not through hubix) to check what the scenario did: an SQLite file
/// in the run's temp directory, or a fresh PostgreSQL database created on <c>--postgres</c> and dropped after.
/// Queries are plain SQL with quoted identifiers, which both providers accept.
/// </summary>
public sealed class BenchDb : IAsyncDisposable
{
    private readonly string? _pgAdmin;
    private readonly string? _pgName;

    private BenchDb(bool postgres, string connectionString, string? pgAdmin, string? pgName)
    {
        IsPostgres = postgres;
        ConnectionString = connectionString;
        _pgAdmin = pgAdmin;
        _pgName = pgName;
    }

    public bool IsPostgres { get; }

    /// <summary>--keep: a PostgreSQL database is left for inspection (its name is printed).</summary>
    public bool KeepDatabase { get; init; }
    public string ConnectionString { get; }
    public string Provider => IsPostgres ? "Postgres" : "Sqlite";

    /// <summary>A database that exists already and outlives the run (history writes into it; nothing is dropped).</summary>
    public static BenchDb Existing(bool postgres, string connectionString) => new(postgres, connectionString, null, null);

    public static async Task<BenchDb> CreateAsync(Options options, string workDir, CancellationToken ct, string? pgTemplate = null)
    {
        if (options.Postgres is null)
        {
            return new BenchDb(false, $"Data Source={Path.Combine(workDir, "hubix.db")}", null, null);
        }

        var name = "hubix_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(options.Postgres))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"" + (pgTemplate is null ? "" : $" TEMPLATE \"{pgTemplate}\""), conn);
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var cs = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name }.ToString();
        return new BenchDb(true, cs, options.Postgres, name) { KeepDatabase = options.Keep };
    }

    /// <summary>Arguments that point hubix at this database.</summary>
    public IEnumerable<string> HostArgs =>
    [
        $"--Hubix:Database:Provider={Provider}",
        $"--ConnectionStrings:Hubix={ConnectionString}",
    ];

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        DbConnection c = IsPostgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString + ";Mode=ReadWrite;Pooling=False");
        await c.OpenAsync(ct);
        if (!IsPostgres)
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout=10000;";
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return c;
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? 0 : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 120;
        var list = new List<T>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(map(r));
        }

        return list;
    }

    public async Task<bool> TableExistsAsync(string table, CancellationToken ct)
    {
        var sql = IsPostgres
            ? $"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{table}'"
            : $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        return await ScalarAsync(sql, ct) > 0;
    }

    public async Task<HashSet<string>> ColumnsAsync(string table, CancellationToken ct)
    {
        var sql = IsPostgres
            ? $"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
            : $"SELECT name FROM pragma_table_info('{table}')";
        return [.. await QueryAsync(sql, r => r.GetString(0), ct)];
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (_pgAdmin is not null && KeepDatabase)
        {
            Console.WriteLine($"kept PostgreSQL database: {_pgName}");
        }
        else if (_pgAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_pgAdmin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgName}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

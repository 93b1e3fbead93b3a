using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Hubix.Bench;

/// <summary>
/// Where the history generator writes: rows of typed values into named columns of tables the real migrations made.
/// SQLite: one connection, prepared INSERTs with reused parameters, a transaction per day, journal and sync off during
/// the load. PostgreSQL: one binary COPY per table, each on its own connection (the server parses them in parallel).
/// Secondary indexes of the loaded tables are dropped before the load and recreated from their own DDL after it,
/// which is much faster than maintaining them row by row and leaves the schema exactly as the migrations made it.
/// </summary>
public abstract class BulkTarget : IAsyncDisposable
{
    public abstract string Provider { get; }

    public abstract Task OpenAsync(CancellationToken ct);

    /// <summary>Columns of a table: name, and whether a row must give it (NOT NULL without a default).</summary>
    public abstract Task<List<(string Name, bool Required)>> ColumnsAsync(string table, CancellationToken ct);

    /// <summary>Drops the secondary indexes of the tables; returns their DDL for <see cref="FinishAsync"/>.</summary>
    public async Task<List<string>> DropIndexesAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        var ddl = await IndexesAsync(tables, ct);
        foreach (var (name, _) in ddl)
        {
            await ExecAsync($"DROP INDEX \"{name}\"", ct);
        }

        return ddl.Select(d => d.Sql).ToList();
    }

    /// <summary>The secondary indexes of the tables (none that backs a constraint): name and DDL.</summary>
    protected abstract Task<List<(string Name, string Sql)>> IndexesAsync(IReadOnlyList<string> tables, CancellationToken ct);

    protected abstract Task ExecAsync(string sql, CancellationToken ct);

    protected async Task CreateIndexesAsync(IReadOnlyList<string> ddl, CancellationToken ct)
    {
        foreach (var sql in ddl)
        {
            await ExecAsync(sql, ct);
        }
    }

    public abstract BulkTable Table(string table, IReadOnlyList<string> columns);

    /// <summary>SQLite: commits the rows so far and starts the next transaction. PostgreSQL: nothing (COPY streams).</summary>
    public abstract Task CheckpointAsync(CancellationToken ct);

    /// <summary>
    /// Completes every table, recreates the dropped indexes, moves the id sequences past the rows written, and updates
    /// statistics where the server keeps them.
    /// </summary>
    public abstract Task FinishAsync(IReadOnlyList<string> tables, IReadOnlyList<string> indexes, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    /// <summary>Checks that the migrations made every column the generator writes, and nothing required that it does not write.</summary>
    public async Task CheckColumnsAsync(string table, IReadOnlyList<string> written, CancellationToken ct)
    {
        var columns = await ColumnsAsync(table, ct);
        if (columns.Count == 0)
        {
            throw new InvalidOperationException($"history: table {table} does not exist; did the migrations run?");
        }

        var missing = written.Where(w => !columns.Any(c => c.Name == w)).ToList();
        var unwritten = columns.Where(c => c.Required && !written.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0 || unwritten.Count > 0)
        {
            throw new InvalidOperationException(
                $"history: the schema of {table} changed: columns the generator writes but the table lacks: [{string.Join(", ", missing)}]; " +
                $"required columns it does not write: [{string.Join(", ", unwritten)}]. Update HistoryGenerator.");
        }
    }

    public static BulkTarget Create(bool postgres, string connectionString) =>
        postgres ? new PostgresTarget(connectionString) : new SqliteTarget(connectionString);
}

/// <summary>One table being loaded: values in column order, then <see cref="EndRow"/>.</summary>
public abstract class BulkTable
{
    public long Rows { get; protected set; }
    public abstract void Long(long v);
    public abstract void Int(int v);
    public abstract void Str(string? v);
    public abstract void Time(DateTime v);
    public abstract void Date(DateOnly v);
    public abstract void Bool(bool v);
    public abstract void Null();
    public abstract void EndRow();

    /// <summary>PostgreSQL: ends the COPY (the rows become visible, e.g. to foreign keys). SQLite: nothing.</summary>
    public abstract void Close();

    public void IntN(int? v)
    {
        if (v is { } x)
        {
            Int(x);
        }
        else
        {
            Null();
        }
    }

    public void LongN(long? v)
    {
        if (v is { } x)
        {
            Long(x);
        }
        else
        {
            Null();
        }
    }

    public void TimeN(DateTime? v)
    {
        if (v is { } x)
        {
            Time(x);
        }
        else
        {
            Null();
        }
    }

    public abstract void RealN(double? v);
}

internal sealed class SqliteTarget(string connectionString) : BulkTarget
{
    private readonly SqliteConnection _conn = new(connectionString + ";Pooling=False");
    private readonly List<SqliteTable> _tables = [];
    private SqliteTransaction? _tx;

    public override string Provider => "Sqlite";

    public override async Task OpenAsync(CancellationToken ct)
    {
        await _conn.OpenAsync(ct);
        // No rollback journal and no fsync during the load (the file is thrown away if the load fails), a large page
        // cache, and no foreign-key checks (the generator writes parents and children in one pass).
        await ExecAsync("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-512000; PRAGMA temp_store=FILE;", ct);
        _tx = _conn.BeginTransaction();
    }

    protected override async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _tx;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public override async Task<List<(string Name, bool Required)>> ColumnsAsync(string table, CancellationToken ct)
    {
        await using var cmd = _conn.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = "SELECT name, \"notnull\", dflt_value, pk FROM pragma_table_info($t)";
        cmd.Parameters.AddWithValue("$t", table);
        var list = new List<(string, bool)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add((r.GetString(0), r.GetInt64(1) == 1 && r.IsDBNull(2) && r.GetInt64(3) == 0));
        }

        return list;
    }

    protected override async Task<List<(string Name, string Sql)>> IndexesAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        var ddl = new List<(string Name, string Sql)>();
        await using var cmd = _conn.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = $"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({string.Join(',', tables.Select(t => $"'{t}'"))})";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            ddl.Add((r.GetString(0), r.GetString(1)));
        }

        return ddl;
    }

    public override BulkTable Table(string table, IReadOnlyList<string> columns)
    {
        var t = new SqliteTable(_conn, _tx!, table, columns);
        _tables.Add(t);
        return t;
    }

    public override async Task CheckpointAsync(CancellationToken ct)
    {
        await _tx!.CommitAsync(ct);
        await _tx.DisposeAsync();
        _tx = _conn.BeginTransaction();
        foreach (var t in _tables)
        {
            t.Command.Transaction = _tx;
        }
    }

    public override async Task FinishAsync(IReadOnlyList<string> tables, IReadOnlyList<string> indexes, CancellationToken ct)
    {
        await CreateIndexesAsync(indexes, ct);
        await _tx!.CommitAsync(ct);
        await _tx.DisposeAsync();
        _tx = null;
        foreach (var t in _tables)
        {
            t.Command.Dispose();
        }

        // What hubix runs in: write-ahead log (hubix sets it again when it opens the file).
        await ExecAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", ct);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_tx is not null)
        {
            await _tx.DisposeAsync();
        }

        await _conn.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private sealed class SqliteTable : BulkTable
    {
        private readonly SqliteParameter[] _p;
        private int _i;

        public SqliteTable(SqliteConnection conn, SqliteTransaction tx, string table, IReadOnlyList<string> columns)
        {
            Command = conn.CreateCommand();
            Command.Transaction = tx;
            Command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
            _p = columns.Select((_, i) => Command.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
            Command.Prepare();
        }

        public SqliteCommand Command { get; }

        public override void Long(long v) => _p[_i++].Value = v;
        public override void Int(int v) => _p[_i++].Value = v;
        public override void Str(string? v) => _p[_i++].Value = (object?)v ?? DBNull.Value;

        // EF Core's SQLite format for DateTime and DateOnly.
        public override void Time(DateTime v) => _p[_i++].Value = v.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);
        public override void Date(DateOnly v) => _p[_i++].Value = v.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        public override void Bool(bool v) => _p[_i++].Value = v ? 1L : 0L;
        public override void Null() => _p[_i++].Value = DBNull.Value;

        public override void RealN(double? v) => _p[_i++].Value = v is { } x ? x : DBNull.Value;

        public override void EndRow()
        {
            Command.ExecuteNonQuery();
            _i = 0;
            Rows++;
        }

        public override void Close()
        {
        }
    }
}

internal sealed class PostgresTarget(string connectionString) : BulkTarget
{
    private readonly NpgsqlConnection _conn = new(connectionString);
    private readonly List<PostgresTable> _tables = [];

    public override string Provider => "Postgres";

    public override Task OpenAsync(CancellationToken ct) => _conn.OpenAsync(ct);

    protected override async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, _conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public override async Task<List<(string Name, bool Required)>> ColumnsAsync(string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t", _conn);
        cmd.Parameters.AddWithValue("t", table);
        var list = new List<(string, bool)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add((r.GetString(0), r.GetBoolean(1)));
        }

        return list;
    }

    protected override async Task<List<(string Name, string Sql)>> IndexesAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        var ddl = new List<(string Name, string Sql)>();
        await using var cmd = new NpgsqlCommand(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ANY(@t) " +
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", _conn);
        cmd.Parameters.AddWithValue("t", tables.ToArray());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            ddl.Add((r.GetString(0), r.GetString(1)));
        }

        return ddl;
    }

    public override BulkTable Table(string table, IReadOnlyList<string> columns)
    {
        var t = new PostgresTable(_conn.ConnectionString, table, columns);
        _tables.Add(t);
        return t;
    }

    public override Task CheckpointAsync(CancellationToken ct) => Task.CompletedTask;

    public override async Task FinishAsync(IReadOnlyList<string> tables, IReadOnlyList<string> indexes, CancellationToken ct)
    {
        foreach (var t in _tables)
        {
            t.Close();
        }

        await ExecAsync("SET maintenance_work_mem = '512MB'", ct);
        await CreateIndexesAsync(indexes, ct);
        foreach (var table in tables)
        {
            await ExecAsync($"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), GREATEST(1, (SELECT COALESCE(MAX(\"Id\"), 0) FROM \"{table}\")))", ct);
        }

        await ExecAsync("ANALYZE", ct);
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var t in _tables)
        {
            t.Dispose();
        }

        await _conn.DisposeAsync();
    }

    private sealed class PostgresTable : BulkTable, IDisposable
    {
        private readonly NpgsqlConnection _conn;
        private NpgsqlBinaryImporter? _copy;
        private bool _inRow;

        public PostgresTable(string connectionString, string table, IReadOnlyList<string> columns)
        {
            _conn = new NpgsqlConnection(connectionString);
            _conn.Open();
            _copy = _conn.BeginBinaryImport($"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT BINARY)");
        }

        private NpgsqlBinaryImporter Row()
        {
            if (!_inRow)
            {
                _copy!.StartRow();
                _inRow = true;
            }

            return _copy!;
        }

        public override void Long(long v) => Row().Write(v, NpgsqlDbType.Bigint);
        public override void Int(int v) => Row().Write(v, NpgsqlDbType.Integer);

        public override void Str(string? v)
        {
            if (v is null)
            {
                Row().WriteNull();
            }
            else
            {
                Row().Write(v, NpgsqlDbType.Text);
            }
        }

        public override void Time(DateTime v) => Row().Write(DateTime.SpecifyKind(v, DateTimeKind.Utc), NpgsqlDbType.TimestampTz);
        public override void Date(DateOnly v) => Row().Write(v, NpgsqlDbType.Date);
        public override void Bool(bool v) => Row().Write(v, NpgsqlDbType.Boolean);
        public override void Null() => Row().WriteNull();

        public override void RealN(double? v)
        {
            if (v is { } x)
            {
                Row().Write(x, NpgsqlDbType.Double);
            }
            else
            {
                Row().WriteNull();
            }
        }

        public override void EndRow()
        {
            Row();
            _inRow = false;
            Rows++;
        }

        public override void Close()
        {
            if (_copy is not null)
            {
                _copy.Complete();
                _copy.Dispose();
                _copy = null;
                _conn.Close();
            }
        }

        public void Dispose()
        {
            _copy?.Dispose();
            _conn.Dispose();
        }
    }
}

/// <summary>Database size on disk: the SQLite file with its WAL, or pg_database_size.</summary>
public static class DbSize
{
    public static async Task<long> OfAsync(BenchDb db, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            return await db.ScalarAsync("SELECT pg_database_size(current_database())", ct);
        }

        var path = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        return new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
    }
}

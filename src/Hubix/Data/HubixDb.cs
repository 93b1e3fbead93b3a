using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Hubix.Data;

/// <summary>
/// Creates contexts and raw connections for the configured provider. Hot paths (the webhook inbox writer,
/// the outbox claim) use raw connections; everything else uses EF Core.
/// </summary>
public sealed class HubixDb : IDbContextFactory<HubixDbContext>, IAsyncDisposable
{
    private readonly DbContextOptions<SqliteHubixDbContext>? _sqlite;
    private readonly DbContextOptions<PostgresHubixDbContext>? _postgres;
    private readonly NpgsqlDataSource? _dataSource;

    private readonly SqlitePragmas? _pragmas;

    /// <param name="synchronous">SQLite only: <see cref="SqliteSynchronous.Full"/> makes each commit survive power loss (an fsync per commit).</param>
    public HubixDb(DatabaseProvider provider, string connectionString, SqliteSynchronous synchronous = SqliteSynchronous.Normal)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(connectionString)
            {
                // Shared cache serialises everything through one lock; private cache plus WAL lets readers run beside the writer.
                Cache = SqliteCacheMode.Private,
                Pooling = true,
                DefaultTimeout = 30,
            };
            var dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(dir) && builder.DataSource != ":memory:")
            {
                Directory.CreateDirectory(dir);
            }

            ConnectionString = builder.ToString();
            _pragmas = synchronous == SqliteSynchronous.Full ? SqlitePragmas.Full : SqlitePragmas.Normal;
            _sqlite = new DbContextOptionsBuilder<SqliteHubixDbContext>()
                .UseSqlite(ConnectionString, o => o.CommandTimeout(30))
                .AddInterceptors(_pragmas)
                .Options;
        }
        else
        {
            ConnectionString = connectionString;
            _dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
            _postgres = new DbContextOptionsBuilder<PostgresHubixDbContext>()
                .UseNpgsql(_dataSource)
                .Options;
        }
    }

    // SQLite has one write lock per file. Writers of this process that would collide queue here, in memory,
    // instead of in SQLite's busy handler, which sleeps 1 to 100 ms per retry (the ingest profile in
    // BENCHMARKS.md found 71% of syscall time there). PostgreSQL locks rows and needs no gate.
    private readonly WriteGate _writeGate = new();

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;

    /// <summary>
    /// The row-lock clause of a claim, the one place it is spelled: on PostgreSQL several replicas claim at once and
    /// <c>FOR UPDATE SKIP LOCKED</c> hands each row to one of them; SQLite has one writer per file and needs none.
    /// </summary>
    public string SkipLocked => IsPostgres ? " FOR UPDATE SKIP LOCKED" : "";

    public HubixDbContext CreateDbContext() => _sqlite is not null
        ? new SqliteHubixDbContext(_sqlite)
        : new PostgresHubixDbContext(_postgres!);

    /// <summary>
    /// On SQLite, waits until no other hot-path writer of this process is writing, and holds that until disposed.
    /// On PostgreSQL it returns at once. Hold it only around a short write transaction, and never take it twice.
    /// </summary>
    /// <param name="urgent">
    /// Goes ahead of every waiting non-urgent writer. Only the webhook intake is urgent: Meta waits for its 200,
    /// and while the intake waits behind workers, the webhooks that carry users' taps queue up at Meta.
    /// </param>
    public ValueTask<IDisposable> EnterWriteAsync(CancellationToken ct, bool urgent = false) =>
        _dataSource is not null ? ValueTask.FromResult<IDisposable>(NoGate.Instance) : _writeGate.EnterAsync(urgent, ct);

    private sealed class NoGate : IDisposable
    {
        public static readonly NoGate Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>An open raw connection with the same settings EF uses.</summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(ct);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await _pragmas!.ApplyAsync(connection, ct);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}

/// <summary>Per-connection SQLite settings, each for a reason.</summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Normal = new("NORMAL");
    public static readonly SqlitePragmas Full = new("FULL");

    // journal_mode=WAL: readers never block the writer, and commits append instead of rewriting pages.
    // synchronous=NORMAL (default): in WAL mode a commit survives a process crash (SIGKILL); only an OS crash or power
    //   loss can drop the last transactions. FULL (Hubix:Database:Synchronous=Full) fsyncs the WAL at every commit, so an
    //   acknowledged webhook survives power loss too; its cost is measured in BENCHMARKS.md.
    // busy_timeout: wait for the other writer instead of failing at once with SQLITE_BUSY.
    // foreign_keys: enforce the relations EF declares.
    private readonly string _sql;

    // EF opens a read-only connection to ask whether the file exists; switching a rollback-journal file (a backup made
    // by VACUUM INTO, say) to WAL there fails with "attempt to write a readonly database". Such a connection gets the rest.
    private readonly string _readOnlySql;

    private SqlitePragmas(string synchronous)
    {
        _readOnlySql = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
        _sql = "PRAGMA journal_mode=WAL; " + _readOnlySql;
    }

    private string SqlFor(DbConnection connection) =>
        new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? _readOnlySql : _sql;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = SqlFor(connection);
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        => await ApplyAsync(connection, cancellationToken);

    public async Task ApplyAsync(DbConnection connection, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = SqlFor(connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>An async mutex with two queues: urgent waiters are served before any normal waiter, each queue in order.</summary>
internal sealed class WriteGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource<IDisposable>> _urgent = new();
    private readonly LinkedList<TaskCompletionSource<IDisposable>> _normal = new();
    private bool _held;

    public ValueTask<IDisposable> EnterAsync(bool urgent, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        TaskCompletionSource<IDisposable> waiter;
        LinkedListNode<TaskCompletionSource<IDisposable>> node;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return ValueTask.FromResult<IDisposable>(new Release(this));
            }

            waiter = new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = (urgent ? _urgent : _normal).AddLast(waiter);
        }

        if (ct.CanBeCanceled)
        {
            var registration = ct.Register(() =>
            {
                lock (_lock)
                {
                    if (node.List is null)
                    {
                        return; // already handed the gate
                    }

                    node.List.Remove(node);
                }

                waiter.TrySetCanceled(ct);
            });
            _ = waiter.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return new ValueTask<IDisposable>(waiter.Task);
    }

    private void Exit()
    {
        TaskCompletionSource<IDisposable>? next;
        lock (_lock)
        {
            var queue = _urgent.Count > 0 ? _urgent : _normal.Count > 0 ? _normal : null;
            if (queue is null)
            {
                _held = false;
                return;
            }

            next = queue.First!.Value;
            queue.RemoveFirst();
        }

        // Still held: ownership passes straight to the next waiter.
        next.SetResult(new Release(this));
    }

    private sealed class Release(WriteGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Exit();
            }
        }
    }
}

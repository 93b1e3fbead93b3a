using System.Data.Common;
using System.Text;
using System.Threading.Channels;
using Hubix.Kernel;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hubix.Data;

/// <summary><c>Hubix:Replicas</c>: how several <c>hubix serve</c> processes on one PostgreSQL database share the work (ADR-007).</summary>
public sealed class ReplicaOptions : IHubixOptions
{
    public static string Section => "Hubix:Replicas";

    /// <summary>
    /// How often a standby tries to take the lease, and the holder checks it still has it. A crashed holder's lease is
    /// released by PostgreSQL as soon as its connection closes, so this bounds the fail-over time.
    /// </summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Carry live-feed events between replicas with PostgreSQL LISTEN/NOTIFY (default true; no effect on SQLite).</summary>
    public bool LiveRelay { get; set; } = true;

    public IEnumerable<string> Problems()
    {
        if (LeaseInterval < TimeSpan.FromMilliseconds(100) || LeaseInterval > TimeSpan.FromMinutes(1))
        {
            yield return "Hubix:Replicas:LeaseInterval must be between 00:00:00.1 and 00:01:00.";
        }
    }
}

/// <summary>
/// One replica at a time owns the work that must not run twice or must spend one shared budget: the outbox dispatcher
/// (Meta's per-number throughput and the per-recipient pacing live in its memory), the daily scheduler and retention.
/// Everything else (webhooks, the inbox, the agent, the dashboard) runs on every replica. ADR-007.
/// </summary>
/// <remarks>
/// PostgreSQL: a session advisory lock, held on a connection of its own. The server releases it the moment that
/// connection ends, and a killed process's socket is closed by the kernel, so a standby takes over within one
/// <see cref="ReplicaOptions.LeaseInterval"/>; the holder checks its connection every interval and stops leading when
/// it is gone. SQLite serves one process: the lease is an exclusive lock on a file beside the database, taken at start,
/// and a second <c>hubix serve</c> on the same file refuses to start (the CLI's one-shot commands do not take it).
/// </remarks>
public sealed class ReplicaLease(HubixDb db, IOptions<ReplicaOptions> options, TimeProvider time, ILogger<ReplicaLease> logger) : BackgroundService
{
    // "HUBIXLDR": one key per database; PostgreSQL scopes advisory locks to the current database.
    private const long LockKey = 0x4855_4249_584C_4452;

    private FileStream? _fileLock;
    private NpgsqlConnection? _connection;
    private volatile bool _held;

    /// <summary>True while this process owns the singleton work.</summary>
    public bool IsHeld => _held;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            await TryAcquireAsync(cancellationToken); // a lone replica leads from its first second
        }
        else
        {
            TakeFileLock();
            _held = true;
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!db.IsPostgres)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.LeaseInterval, time, stoppingToken);
                await TryAcquireAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ReleaseAsync();
    }

    public override void Dispose()
    {
        ReleaseAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }

    /// <summary>Takes the lock when free, or checks that the connection holding it is still alive.</summary>
    private async Task TryAcquireAsync(CancellationToken ct)
    {
        try
        {
            if (_connection is null)
            {
                // Not pooled: the lock lives and dies with this one connection.
                var csb = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false, ApplicationName = "hubix-lease" };
                _connection = new NpgsqlConnection(csb.ConnectionString);
                await _connection.OpenAsync(ct);
            }

            await using var cmd = _connection.CreateCommand();
            cmd.CommandText = _held ? "SELECT TRUE" : $"SELECT pg_try_advisory_lock({LockKey})";
            var held = await cmd.ExecuteScalarAsync(ct) is true;
            if (held != _held)
            {
                if (held)
                {
                    logger.LogInformation("This replica now leads: dispatch, the daily scheduler and retention run here");
                }
                else
                {
                    logger.LogWarning("This replica no longer leads");
                }
            }

            _held = held;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
        {
            if (_held)
            {
                logger.LogWarning(ex, "The lead lease's connection failed; this replica stops leading until it takes the lease again");
            }

            _held = false;
            await DropConnectionAsync();
        }
    }

    private void TakeFileLock()
    {
        var source = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file::memory:", StringComparison.Ordinal))
        {
            return;
        }

        var path = Path.GetFullPath(source) + ".lock";
        try
        {
            // FileShare.None is an exclusive flock(2) on Linux: released by the kernel when the process ends, however it ends.
            _fileLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex)
        {
            throw new ReplicaConflictException(
                $"Another `hubix serve` is already using the SQLite database {Path.GetFullPath(source)} (it holds {path}). SQLite serves one process; " +
                "stop the other one, or run several replicas on PostgreSQL (Hubix:Database:Provider=Postgres and ConnectionStrings:Hubix).", ex);
        }
    }

    private async ValueTask ReleaseAsync()
    {
        _held = false;
        await DropConnectionAsync();
        if (_fileLock is not null)
        {
            await _fileLock.DisposeAsync();
            _fileLock = null;
        }
    }

    private async ValueTask DropConnectionAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await _connection.DisposeAsync(); // closing the session releases the advisory lock
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
            }

            _connection = null;
        }
    }
}

/// <summary>A second <c>hubix serve</c> on one SQLite file: the message says what to do instead.</summary>
public sealed class ReplicaConflictException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Carries live-feed events between replicas on PostgreSQL: every replica publishes its events with <c>NOTIFY</c> and
/// delivers what it hears with <c>LISTEN</c> (its own included) to its WebSocket clients, so each replica's <c>/ws</c>
/// shows every replica's events, in the order their notifications were committed. No broker beyond the database.
/// </summary>
/// <remarks>
/// <para>
/// The writers' events (taps, messages, statuses, unlocks, consent, replies: whatever a <see cref="UnitOfWork"/> publishes)
/// are NOTIFYed inside the writer's own transaction (<see cref="NotifyAsync"/>): PostgreSQL delivers them if and only if
/// the transaction commits, and in commit order. So a replica killed right after its commit cannot lose them, and a
/// status cannot overtake the tap that caused it. The bench's replicas scenario lost 253 of 8,257 statuses on a socket
/// and saw 206 per-advisor inversions when they were NOTIFYed after the commit.
/// </para>
/// <para>
/// Other events (the dispatcher's outcomes, the agent's and unlock progress) are sent in batches, several per notification
/// (newline-separated JSON; PostgreSQL's payload limit is 8000 bytes), from one connection, in order. An event too big for
/// one notification, and every such event while the listening connection is down, is delivered to this replica's clients
/// only; after the listener reconnects the local clients are dropped so that they reconnect and reload what they missed.
/// </para>
/// </remarks>
public sealed class PostgresLiveRelay : BackgroundService, ILiveRelay
{
    private const string Channel = "hubix_live";

    /// <summary>Below PostgreSQL's 8000-byte payload limit.</summary>
    private const int MaxPayloadBytes = 7_800;
    private const int MaxEventsPerRound = 2_000;

    private readonly Channel<byte[]> _outgoing = System.Threading.Channels.Channel.CreateBounded<byte[]>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: that event goes to local clients only
    });

    private volatile bool _listening;
    private long _localOnly;

    /// <summary>Events delivered to this replica's clients only (too big, relay full, or the listener down).</summary>
    public long LocalOnlyCount => Interlocked.Read(ref _localOnly);

    public bool TryRelay(byte[] utf8Event)
    {
        if (_listening && utf8Event.Length <= MaxPayloadBytes && _outgoing.Writer.TryWrite(utf8Event))
        {
            return true;
        }

        Interlocked.Increment(ref _localOnly);
        return false;
    }

    /// <summary>
    /// NOTIFYs serialized events inside the caller's transaction (see the remarks); returns the events too big for one
    /// notification, which the caller delivers to its own clients after the commit.
    /// </summary>
    public static async Task<List<byte[]>> NotifyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<byte[]> events, CancellationToken ct)
    {
        var tooBig = new List<byte[]>();
        foreach (var payload in Payloads(events, tooBig))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = "SELECT pg_notify(@c, @p)";
            cmd.AddParameter("@c", Channel);
            cmd.AddParameter("@p", payload);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return tooBig;
    }

    /// <summary>Events joined into notification payloads of at most <see cref="MaxPayloadBytes"/>, in order.</summary>
    private static List<string> Payloads(IEnumerable<byte[]> events, List<byte[]> tooBig)
    {
        var payloads = new List<string>();
        var current = new StringBuilder();
        var bytes = 0;
        foreach (var e in events)
        {
            if (e.Length + 1 > MaxPayloadBytes)
            {
                tooBig.Add(e);
                continue;
            }

            if (bytes + e.Length + 1 > MaxPayloadBytes && current.Length > 0)
            {
                payloads.Add(current.ToString());
                current.Clear();
                bytes = 0;
            }

            current.Append(Encoding.UTF8.GetString(e)).Append('\n');
            bytes += e.Length + 1;
        }

        if (current.Length > 0)
        {
            payloads.Add(current.ToString());
        }

        return payloads;
    }

    private readonly HubixDb db;
    private readonly LiveFeed feed;
    private readonly IOptions<ReplicaOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<PostgresLiveRelay> logger;

    public PostgresLiveRelay(HubixDb db, LiveFeed feed, IOptions<ReplicaOptions> options, TimeProvider time, ILogger<PostgresLiveRelay> logger)
    {
        this.db = db;
        this.feed = feed;
        this.options = options;
        this.time = time;
        this.logger = logger;
        if (db.IsPostgres && options.Value.LiveRelay)
        {
            // Set when the hosted services are built, before any of them starts: the first events a restarted replica
            // writes (it takes webhooks at once) are NOTIFYed like the rest, not left to its own (empty) list of clients.
            feed.Relay = this;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!db.IsPostgres || !options.Value.LiveRelay)
        {
            return;
        }

        try
        {
            await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
        }
        finally
        {
            feed.Relay = null;
        }
    }

    private NpgsqlConnection NewConnection(string name)
    {
        var csb = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false, ApplicationName = name, KeepAlive = 10 };
        return new NpgsqlConnection(csb.ConnectionString);
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var everListened = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = NewConnection("hubix-live-listen");
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => Deliver(e.Payload);
                await using (var listen = connection.CreateCommand())
                {
                    listen.CommandText = "LISTEN " + Channel;
                    await listen.ExecuteNonQueryAsync(ct);
                }

                if (everListened)
                {
                    // What was published while we were deaf is gone: make the clients reconnect and reload.
                    feed.DropAll("the replicas' live relay reconnected");
                }

                everListened = true;
                _listening = true;
                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                _listening = false;
                logger.LogWarning(ex, "The live relay's LISTEN connection failed; events reach this replica's clients only until it is back");
                try
                {
                    await Task.Delay(options.Value.LeaseInterval, time, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                _listening = false;
            }
        }
    }

    private void Deliver(string payload)
    {
        foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            feed.DeliverLocal(Encoding.UTF8.GetBytes(line));
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        var events = new List<byte[]>();
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(ct))
            {
                events.Clear();
                while (events.Count < MaxEventsPerRound && _outgoing.Reader.TryRead(out var e))
                {
                    events.Add(e);
                }

                var payloads = Payloads(events, tooBig: []);

                try
                {
                    if (connection is null)
                    {
                        connection = NewConnection("hubix-live-notify");
                        await connection.OpenAsync(ct);
                    }

                    // One transaction: its notifications are delivered together and in this order.
                    await using var batch = new NpgsqlBatch(connection);
                    foreach (var p in payloads)
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify(@c, @p)") { Parameters = { new("c", Channel), new("p", p) } });
                    }

                    await using var tx = await connection.BeginTransactionAsync(ct);
                    batch.Transaction = tx;
                    await batch.ExecuteNonQueryAsync(ct);
                    await tx.CommitAsync(ct);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                {
                    logger.LogWarning(ex, "The live relay could not NOTIFY {Count} batch(es); delivering them to this replica's clients only", payloads.Count);
                    payloads.ForEach(Deliver);
                    Interlocked.Add(ref _localOnly, payloads.Count);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}

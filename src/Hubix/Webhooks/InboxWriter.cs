using System.Data.Common;
using System.Security.Cryptography;
using System.Threading.Channels;
using Hubix.Data;

namespace Hubix.Webhooks;

/// <summary>
/// Commits webhook bodies to the inbox with group commit: requests queue here, one writer inserts up to
/// <see cref="MaxBatch"/> of them per transaction, and each request gets its 200 only after its batch
/// committed. One transaction per batch instead of per request is what lets SQLite keep up with Meta's
/// bursts (figures in BENCHMARKS.md); a request still never sees 200 before its body is durable.
/// </summary>
public sealed class InboxWriter(HubixDb db, InboxSignal signal, TimeProvider time, ILogger<InboxWriter> logger) : BackgroundService
{
    public const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(20_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private sealed record Pending(byte[] Body, string Hash, int Priority, TaskCompletionSource Committed);

    /// <summary>Returns once the body is committed; throws if it could not be (the caller answers 503 and Meta retries).</summary>
    public async Task AppendAsync(byte[] body, CancellationToken ct)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        // Hash and priority on the request thread: the writer holds the write gate while it builds its batch.
        var pending = new Pending(body, hash, PriorityOf(body), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        await pending.Committed.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        DbConnection? connection = null;
        try
        {
            // Drain until the channel is completed (on stop), so nothing accepted is dropped.
            while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
                {
                    batch.Add(p);
                }

                try
                {
                    connection ??= await db.OpenConnectionAsync(CancellationToken.None);
                    using (await db.EnterWriteAsync(CancellationToken.None, urgent: true))
                    {
                        await InsertAsync(connection, batch);
                    }

                    foreach (var p in batch)
                    {
                        p.Committed.TrySetResult();
                    }

                    signal.Notify();
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Inbox commit of {Count} webhook bodies failed", batch.Count);
                    foreach (var p in batch)
                    {
                        p.Committed.TrySetException(ex);
                    }

                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private static ReadOnlySpan<byte> MessagesKey => "\"messages\""u8;

    /// <summary>
    /// <see cref="InboxEvent.Priority"/>: 0 when the body has a <c>"messages":</c> key (users' messages; every change of
    /// the messages field also says <c>"field": "messages"</c>, which is a value, not a key), else 1. A byte search, not
    /// a parse: a wrong guess only changes the order of processing, never what is processed.
    /// </summary>
    internal static int PriorityOf(byte[] body)
    {
        var rest = body.AsSpan();
        int at;
        while ((at = rest.IndexOf(MessagesKey)) >= 0)
        {
            rest = rest[(at + MessagesKey.Length)..];
            var next = rest.TrimStart(" \t\r\n"u8);
            if (next.Length > 0 && next[0] == (byte)':')
            {
                return 0;
            }
        }

        return 1;
    }

    private async Task InsertAsync(DbConnection connection, List<Pending> batch)
    {
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        var now = time.GetUtcNow().UtcDateTime;
        var sql = new System.Text.StringBuilder(
            "INSERT INTO \"InboxEvents\" (\"ReceivedAt\",\"BodyHash\",\"Body\",\"Priority\",\"State\",\"Attempts\",\"NextAttemptAt\") VALUES ");
        cmd.AddParameter("@now", now);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(',');
            }

            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $"(@now,@h{i},@b{i},{batch[i].Priority},0,0,@now)");
            cmd.AddParameter("@h" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), batch[i].Hash);
            cmd.AddParameter("@b" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), batch[i].Body);
        }

        // The same body twice (Meta's retry, or twice in one batch) is stored once.
        sql.Append(" ON CONFLICT (\"BodyHash\") DO NOTHING");
        cmd.CommandText = sql.ToString();
        await cmd.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}

/// <summary>Wakes the inbox worker as soon as something was committed, so it need not poll fast.</summary>
public sealed class InboxSignal : Kernel.WakeSignal;

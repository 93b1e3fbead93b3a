using Hubix.Advisors;
using Hubix.Data;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Hubix.Webhooks;

/// <summary><c>Hubix:Inbox</c>.</summary>
public sealed class InboxOptions
{
    public int BatchSize { get; set; } = 100;
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long processed webhook bodies are kept (their events stay as interactions); zero keeps them forever.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often <see cref="InboxCleanup"/> deletes what is past <see cref="Retention"/>.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Claims committed webhook bodies and processes every entry, change, message and status in them.
/// A batch of rows is one transaction: interactions (unique by dedupe key), the handlers' effects, and the
/// rows marked done commit together. When a batch fails, its rows are retried one by one so one bad row
/// cannot hold back the others; a row that keeps failing is dead-lettered with the error, never dropped.
/// </summary>
public sealed class InboxWorker(
    HubixDb db,
    InboxSignal signal,
    IEnumerable<IInboxHandler> handlers,
    IOptions<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxWorker> logger) : BackgroundService
{
    private readonly IInboxHandler[] _handlers = handlers.ToArray();
    private readonly InboxOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var processed = await RunOnceAsync(stoppingToken);
                if (processed == 0)
                {
                    await signal.WaitAsync(_options.IdlePoll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Inbox worker iteration failed; retrying");
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Claims and processes one batch; returns how many rows it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var rows = await ClaimAsync(ct);
        if (rows.Count == 0)
        {
            return 0;
        }

        try
        {
            await ProcessAsync(rows, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (rows.Count == 1)
            {
                await RecordFailureAsync(rows[0], ex, ct);
            }
            else
            {
                foreach (var row in rows)
                {
                    try
                    {
                        await ProcessAsync([row], ct);
                    }
                    catch (Exception one) when (one is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        await RecordFailureAsync(row, one, ct);
                    }
                }
            }
        }

        return rows.Count;
    }

    private sealed record ClaimedRow(long Id, byte[] Body, int Attempts);

    private async Task<List<ClaimedRow>> ClaimAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var cmd = LeaseClaim.Command(connection, db, "InboxEvents", "\"Body\", \"Attempts\"", now, _options.Lease, _options.BatchSize, "\"Priority\", \"Id\"");
        var rows = new List<ClaimedRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ClaimedRow(reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt32(2)));
        }

        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    private async Task ProcessAsync(IReadOnlyList<ClaimedRow> rows, CancellationToken ct)
    {
        // Parsing, the dedupe read and the handlers (which read, and plan their writes) run before the write gate and
        // the transaction: on SQLite the webhook intake waits for that gate, so the worker holds it only while it
        // writes. Reading outside the transaction is safe: the dedupe key and the outbox idempotency key are unique,
        // so a row another transaction stored meanwhile fails this batch, which is then retried row by row and sees it.
        var now = time.GetUtcNow().UtcDateTime;
        var deadLetters = new List<DeadLetter>();
        var events = new List<WebhookEvent>();
        foreach (var row in rows)
        {
            var parsed = WebhookParser.Parse(row.Body);
            if (!parsed.IsEnvelope)
            {
                // The door checks the envelope, so this is only a body stored by an older version.
                deadLetters.Add(new DeadLetter { At = now, Source = "processing", Reason = parsed.EnvelopeError!, Body = row.Body, InboxEventId = row.Id });
                continue;
            }

            foreach (var bad in parsed.Malformed)
            {
                deadLetters.Add(new DeadLetter
                {
                    At = now, Source = "item", Reason = bad.Reason, Body = System.Text.Encoding.UTF8.GetBytes(bad.RawJson), InboxEventId = row.Id,
                });
            }

            events.AddRange(parsed.Events);
        }

        await using var context = db.CreateDbContext();
        // Handlers add and change many rows; EF's automatic change detection would rescan every tracked row on each
        // ChangeTracker.Entries() call (quadratic in the batch). One scan before the save is enough.
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        await context.Database.OpenConnectionAsync(ct); // one connection for the reads and the transaction
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in events.Select(e => e.DedupeKey).Distinct(StringComparer.Ordinal).Chunk(500))
        {
            seen.UnionWith(await context.Set<Interaction>().AsNoTracking().Where(i => chunk.Contains(i.DedupeKey)).Select(i => i.DedupeKey).ToListAsync(ct));
        }

        var batch = new InboxBatch(context, now);
        context.AddRange(deadLetters);
        var fresh = new List<(WebhookEvent Event, Interaction Record)>();
        foreach (var evt in events)
        {
            if (!seen.Add(evt.DedupeKey))
            {
                continue;
            }

            var record = ToInteraction(evt, now);
            context.Add(record);
            fresh.Add((evt, record));
        }

        await TouchAdvisorsAsync(context, fresh.Select(f => f.Event).OfType<InboundMessage>(), ct);

        foreach (var (evt, record) in fresh)
        {
            foreach (var handler in _handlers)
            {
                await handler.HandleAsync(batch, evt, record, ct);
            }
        }

        context.ChangeTracker.DetectChanges();
        using var gate = await db.EnterWriteAsync(ct);
        await using var tx = await context.Database.BeginTransactionAsync(ct);
        await context.SaveChangesAsync(ct);
        await batch.RunWritesAsync(context.Database.GetDbConnection(), tx.GetDbTransaction(), ct);
        var ids = rows.Select(r => r.Id).ToList();
        await context.Set<InboxEvent>().Where(e => ids.Contains(e.Id)).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.State, InboxState.Done).SetProperty(e => e.ProcessedAt, now).SetProperty(e => e.LeaseUntil, (DateTime?)null),
            ct);
        await tx.CommitAsync(ct);
        batch.RunAfterCommit();
    }

    /// <summary>Remembers each advisor's last inbound time by Meta's clock: the 24-hour window runs from it.</summary>
    private static async Task TouchAdvisorsAsync(HubixDbContext context, IEnumerable<InboundMessage> messages, CancellationToken ct)
    {
        var latest = new Dictionary<string, (DateTime At, string? UserId)>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            if (m.From is null || m.Timestamp is null)
            {
                continue;
            }

            var at = m.Timestamp.Value.UtcDateTime;
            if (!latest.TryGetValue(m.From, out var cur) || cur.At < at)
            {
                latest[m.From] = (at, m.UserId);
            }
        }

        if (latest.Count == 0)
        {
            return;
        }

        var phones = latest.Keys.ToList();
        var advisors = await context.Set<Advisor>().Where(a => phones.Contains(a.Phone)).ToListAsync(ct);
        foreach (var advisor in advisors)
        {
            var (at, userId) = latest[advisor.Phone];
            if (advisor.LastInboundAt is null || advisor.LastInboundAt < at)
            {
                advisor.LastInboundAt = at;
            }

            if (userId is not null && advisor.UserId is null)
            {
                advisor.UserId = userId;
            }
        }
    }

    internal static Interaction ToInteraction(WebhookEvent evt, DateTime now) => evt switch
    {
        InboundMessage m => new Interaction
        {
            At = m.Timestamp?.UtcDateTime ?? now,
            RecordedAt = now,
            Phone = m.From,
            UserId = m.UserId,
            Direction = "in",
            Type = m.Kind,
            Payload = Truncate(m.Payload, 4096),
            Text = Truncate(m.Text, 4096),
            WaMessageId = m.MessageId,
            Context = m.ContextId,
            ErrorCode = m.Errors.Count > 0 ? m.Errors[0].Code : null,
            ErrorDetails = m.Errors.Count > 0 ? m.Errors[0].Details : null,
            DedupeKey = Truncate(m.DedupeKey, 300)!,
            Raw = m.RawJson,
        },
        MessageStatus s => new Interaction
        {
            At = s.Timestamp?.UtcDateTime ?? now,
            RecordedAt = now,
            Phone = s.RecipientId,
            UserId = s.RecipientUserId,
            Direction = "status",
            Type = s.Status,
            Payload = s.Status,
            WaMessageId = s.MessageId,
            Context = s.BizOpaqueCallbackData,
            ErrorCode = s.Errors.Count > 0 ? s.Errors[0].Code : null,
            ErrorDetails = s.Errors.Count > 0 ? s.Errors[0].Details ?? s.Errors[0].Title : null,
            DedupeKey = Truncate(s.DedupeKey, 300)!,
            Raw = s.RawJson,
        },
        OtherEvent o => new Interaction
        {
            At = now,
            RecordedAt = now,
            Phone = o.WaId,
            Direction = "event",
            Type = Truncate(o.Field, 64)!,
            Payload = Truncate(o.Summary, 4096),
            DedupeKey = o.DedupeKey,
            Raw = o.RawJson,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "unknown event type"),
    };

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    private async Task RecordFailureAsync(ClaimedRow row, Exception ex, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var attempts = row.Attempts + 1;
        await using var context = db.CreateDbContext();
        var error = ex.GetType().Name + ": " + ex.Message;
        if (attempts >= _options.MaxAttempts)
        {
            logger.LogError(ex, "Inbox event {InboxId} failed {Attempts} times; dead-lettered", row.Id, attempts);
            context.Add(new DeadLetter { At = now, Source = "processing", Reason = error, Body = row.Body, InboxEventId = row.Id });
            await context.SaveChangesAsync(ct);
            await context.Set<InboxEvent>().Where(e => e.Id == row.Id).ExecuteUpdateAsync(
                s => s.SetProperty(e => e.State, InboxState.DeadLettered).SetProperty(e => e.Attempts, attempts)
                    .SetProperty(e => e.LastError, error).SetProperty(e => e.LeaseUntil, (DateTime?)null),
                ct);
            return;
        }

        // Exponential backoff with jitter: 1 s, 2 s, 4 s ... capped at 5 min.
        var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts - 1)) * (0.8 + Random.Shared.NextDouble() * 0.4));
        logger.LogWarning(ex, "Inbox event {InboxId} failed (attempt {Attempts}); retry in {Delay}", row.Id, attempts, delay);
        await context.Set<InboxEvent>().Where(e => e.Id == row.Id).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.Attempts, attempts).SetProperty(e => e.NextAttemptAt, now + delay)
                .SetProperty(e => e.LastError, error).SetProperty(e => e.LeaseUntil, (DateTime?)null),
            ct);
    }
}

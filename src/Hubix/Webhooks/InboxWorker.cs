using Hubix.Data;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Webhooks;

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
    LiveFeed feed,
    IOptions<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxWorker> logger) : PollingWorker(time, logger)
{
    /// <summary>Back-off of a failing body: 1 s, 2 s, 4 s ... at most this.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly IInboxHandler[] _handlers = handlers.ToArray();
    private readonly InboxOptions _options = options.Value;
    private readonly WorkQueue<InboxEvent, InboxState> _queue = new(db, InboxState.Pending);

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct) => await RunOnceAsync(ct) == 0 ? _options.IdlePoll : TimeSpan.Zero;

    protected override Task WaitAsync(TimeSpan wait, CancellationToken ct) => signal.WaitAsync(wait, ct);

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

    // Users' messages (Priority 0) first, then in arrival order: the (State, Priority, Id) index makes this a short walk.
    private Task<List<ClaimedRow>> ClaimAsync(CancellationToken ct) =>
        _queue.ClaimAsync(Time.GetUtcNow().UtcDateTime, _options.Lease, _options.BatchSize,
            [nameof(InboxEvent.Priority), nameof(InboxEvent.Id)], [nameof(InboxEvent.Body), nameof(InboxEvent.Attempts)],
            r => new ClaimedRow(r.GetInt64(0), (byte[])r.GetValue(1), r.GetInt32(2)), r => r.Id, ct);

    private async Task ProcessAsync(IReadOnlyList<ClaimedRow> rows, CancellationToken ct)
    {
        // Parsing, the dedupe read and the handlers (which read, and plan their writes) run before the write gate and
        // the transaction (UnitOfWork): on SQLite the webhook intake waits for that gate, so the worker holds it only
        // while it writes.
        var now = Time.GetUtcNow().UtcDateTime;
        var (events, deadLetters) = Parse(rows, now);
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        // Handlers add and change many rows; EF's automatic change detection would rescan every tracked row on each
        // ChangeTracker.Entries() call (quadratic in the batch). The unit of work scans once before it saves.
        work.Db.ChangeTracker.AutoDetectChangesEnabled = false;
        work.Db.AddRange(deadLetters);
        var fresh = await RecordNewAsync(work, events, ct);
        foreach (var handler in _handlers)
        {
            await handler.HandleAsync(work, fresh, ct);
        }

        var ids = rows.Select(r => r.Id).ToList();
        work.Write((connection, tx, token) => MarkDoneAsync(work.Db, ids, now, token));
        var live = new List<LiveEvent>(fresh.Count);
        foreach (var e in fresh)
        {
            InboxLiveEvents.AddTo(live, e.Record);
        }

        foreach (var e in live)
        {
            work.Publish(feed, e);
        }
        await work.CommitAsync(ct);
    }

    /// <summary>Every event of the claimed bodies, and a dead letter for each body or item that could not be read.</summary>
    private static (List<WebhookEvent> Events, List<DeadLetter> DeadLetters) Parse(IReadOnlyList<ClaimedRow> rows, DateTime now)
    {
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

        return (events, deadLetters);
    }

    /// <summary>
    /// Adds a CRM-log row for each event whose dedupe key is new (in the log, and within this batch) and returns them. The
    /// key is unique, so an event another transaction recorded meanwhile fails this batch, which is then retried row by row.
    /// </summary>
    private static async Task<List<NewEvent>> RecordNewAsync(UnitOfWork work, List<WebhookEvent> events, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in events.Select(e => e.DedupeKey).Distinct(StringComparer.Ordinal).Chunk(500))
        {
            seen.UnionWith(await work.Db.Set<Interaction>().AsNoTracking().Where(i => chunk.Contains(i.DedupeKey)).Select(i => i.DedupeKey).ToListAsync(ct));
        }

        var fresh = new List<NewEvent>();
        foreach (var evt in events)
        {
            if (!seen.Add(evt.DedupeKey))
            {
                continue;
            }

            var record = ToInteraction(evt, work.Now);
            work.Db.Add(record);
            fresh.Add(new NewEvent(evt, record));
        }

        return fresh;
    }

    private static Task<int> MarkDoneAsync(HubixDbContext db, List<long> ids, DateTime now, CancellationToken ct) =>
        db.Set<InboxEvent>().Where(e => ids.Contains(e.Id)).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.State, InboxState.Done).SetProperty(e => e.ProcessedAt, now).SetProperty(e => e.LeaseUntil, (DateTime?)null),
            ct);

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

    /// <summary>Retries the body later with back-off; after <see cref="InboxOptions.MaxAttempts"/> it is dead-lettered, never dropped.</summary>
    private async Task RecordFailureAsync(ClaimedRow row, Exception ex, CancellationToken ct)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var attempts = row.Attempts + 1;
        var error = ex.GetType().Name + ": " + ex.Message;
        if (attempts >= _options.MaxAttempts)
        {
            // The dead letter first: a crash before the row is marked leaves it pending (tried again, perhaps a second
            // dead letter), never a dead-lettered row that no operator can see.
            Logger.LogError(ex, "Inbox event {InboxId} failed {Attempts} times; dead-lettered", row.Id, attempts);
            await using var context = db.CreateDbContext();
            context.Add(new DeadLetter { At = now, Source = "processing", Reason = error, Body = row.Body, InboxEventId = row.Id });
            using (await db.EnterWriteAsync(ct))
            {
                await context.SaveChangesAsync(ct);
            }
        }
        else
        {
            Logger.LogWarning(ex, "Inbox event {InboxId} failed (attempt {Attempts}); retrying with back-off", row.Id, attempts);
        }

        await _queue.FailAsync(row.Id, attempts, _options.MaxAttempts, MaxRetryDelay, InboxState.DeadLettered, nameof(InboxEvent.LastError), error, now, ct);
    }
}

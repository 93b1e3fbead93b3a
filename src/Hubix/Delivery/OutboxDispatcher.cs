using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Hubix.Data;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Messages;
using Microsoft.Extensions.Options;

namespace Hubix.Delivery;

/// <summary>
/// Sends outbox rows through the Cloud API client. One loop claims due rows (<see cref="OutboxStore.ClaimAsync"/>:
/// safe across replicas on PostgreSQL), applies the number's throughput bucket and each recipient's pair-rate pacing
/// and 131056 back-off, and starts up to <see cref="DeliveryOptions.Concurrency"/> sends at once, each carrying
/// <c>biz_opaque_callback_data</c> = the row id. Results go through a channel to one writer that updates many rows per
/// transaction. A lease-expired <c>Sending</c> row is reconciled against status webhooks before it is ever resent, and
/// status webhooks that matched no row when they arrived are applied once their row can be found.
/// </summary>
/// <remarks>
/// Classification (REFERENCE §10): Throughput (130429) slows the whole bucket and retries; PairRate (131056) backs off
/// that recipient alone; RetryLater retries with exponential back-off and jitter, except when the request may have
/// reached Meta (timeout, connection lost): then the row waits for reconciliation; MarketingLimit (131049) retries
/// 24 h later; NumberRestricted (131048, 131064) retries after <see cref="DeliveryOptions.RestrictedRetry"/> and is noted in
/// <see cref="DeliveryHealth.Restricted"/>; WindowClosed (131047), OptedOut (131050), Experiment (130472),
/// TemplateUnavailable (132015/132016) and Permanent fail at once (with an event); Auth (190 ...)
/// requeues the row and pauses dispatch (readiness red) until a probe send succeeds. A failed row fails the rest of
/// its group with <c>previous_failed</c>: a pack is never delivered with a hole. Nothing here blocks other recipients.
/// A row that an <see cref="OutboxHold"/> matches when it is claimed (the advisor opted out) is cancelled without a call.
/// </remarks>
public sealed class OutboxDispatcher : PollingWorker
{
    private static readonly TimeSpan MarketingLimitDelay = TimeSpan.FromHours(24);
    private const int MaxWriteBatch = 500;
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(1);

    private readonly OutboxStore _store;
    private readonly OutboxSignal _signal;
    private readonly IServiceProvider _services;
    private readonly DeliveryOptions _options;
    private readonly DeliveryStats _stats;
    private readonly DeliveryHealth _health;
    private readonly DeliveryEventPublisher _events;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly ReplicaLease _lease;
    private readonly TimeSpan _leaseWait;
    private readonly TimeSpan _requestTimeout;
    private bool _leading;

    private readonly Channel<SendOutcome> _results = Channel.CreateUnbounded<SendOutcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _abortSends = new();
    private readonly ConcurrentDictionary<long, Task> _sends = new();
    private readonly Lock _pacing = new();
    private readonly ThroughputBucket _bucket;
    private readonly RecipientPacer _pacer;
    private int _inFlight;
    private DateTime _nextMaintenance = DateTime.MinValue;
    private DateTime _probeAt = DateTime.MinValue;

    public OutboxDispatcher(
        HubixDb db,
        OutboxSignal signal,
        IServiceProvider services,
        IOptions<DeliveryOptions> options,
        IOptions<WhatsAppOptions> whatsApp,
        DeliveryStats stats,
        DeliveryHealth health,
        DeliveryEventPublisher events,
        TimeProvider time,
        ILogger<OutboxDispatcher> logger,
        ReplicaLease lease,
        IOptions<ReplicaOptions> replicas,
        IEnumerable<OutboxHold> holds)
        : base(time, logger)
    {
        _lease = lease;
        _leaseWait = replicas.Value.LeaseInterval;
        _requestTimeout = whatsApp.Value.RequestTimeout;
        _store = new OutboxStore(db, holds.ToList());
        _signal = signal;
        _services = services;
        _options = options.Value;
        _stats = stats;
        _health = health;
        _events = events;
        _time = time;
        _logger = logger;
        var w = whatsApp.Value;
        _bucket = new ThroughputBucket(w.MessagesPerSecond, _options.ThroughputRecovery);
        _pacer = new RecipientPacer(w.PairBurst, w.PairInterval);
        _stats.CurrentRateLimit = _bucket.Rate;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var writer = WriteLoopAsync();
        try
        {
            await base.ExecuteAsync(stoppingToken);
        }
        finally
        {
            await DrainAsync();
            _results.Writer.TryComplete();
            await writer;
        }
    }

    // Zero: more is due, loop straight away; else sleep until signalled or the wait is over.
    protected override Task<TimeSpan> RunRoundAsync(CancellationToken ct) => RunOnceAsync(ct);

    protected override Task WaitAsync(TimeSpan wait, CancellationToken ct) => _signal.WaitAsync(wait < MinWait ? MinWait : wait, ct);

    /// <summary>One round: maintenance when due, then claim and start what the budgets allow. Returns how long to sleep.</summary>
    private async Task<TimeSpan> RunOnceAsync(CancellationToken ct)
    {
        var now = Now();
        if (!_lease.IsHeld)
        {
            // Another replica dispatches: one process spends the number's throughput and paces each recipient (ADR-007).
            // What this one still has in flight finishes; its results are written as usual.
            _leading = false;
            return _leaseWait;
        }

        if (!_leading)
        {
            await TakeOverAsync(now, ct);
        }

        if (now >= _nextMaintenance)
        {
            await MaintainAsync(now, ct);
            _nextMaintenance = now + _options.MaintenanceInterval;
        }

        var idle = Min(_options.IdlePoll, _nextMaintenance - now);
        var limit = Math.Min(_options.BatchSize, _options.Concurrency - Volatile.Read(ref _inFlight));
        if (limit <= 0)
        {
            return idle + MinWait; // a finishing send signals
        }

        if (_health.IsPaused)
        {
            if (Volatile.Read(ref _inFlight) > 0)
            {
                return idle + MinWait;
            }

            if (now < _probeAt)
            {
                return Min(idle, _probeAt - now) + MinWait;
            }

            limit = 1; // one probe send: if Meta takes it, dispatch resumes
            _probeAt = now + _options.AuthProbeInterval;
        }

        lock (_pacing)
        {
            var tokens = _bucket.Available(now);
            _stats.CurrentRateLimit = _bucket.Rate;
            if (tokens < 1)
            {
                return Min(idle, _bucket.UntilNext(now)) + MinWait;
            }

            limit = Math.Min(limit, tokens);
        }

        var rows = await _store.ClaimAsync(limit, now, now + _options.Lease, ct);
        if (rows.Count == 0)
        {
            return idle + MinWait;
        }

        var client = _services.GetRequiredService<WhatsAppCloudClient>();
        var wakeAt = DateTime.MaxValue;
        foreach (var row in rows)
        {
            if (row.HeldBy is { } hold)
            {
                // A hold (the advisor opted out) matched in the claim itself: the last check before a send, no call made.
                _stats.Record("cancelled");
                _results.Writer.TryWrite(new SendOutcome(row, OutcomeKind.Cancelled, row.Attempts, ErrorReason: hold));
                continue;
            }

            if (row.ExpiresAt is { } expires && expires <= now)
            {
                _stats.Record(FailureReasons.WindowExpired);
                _results.Writer.TryWrite(new SendOutcome(row, OutcomeKind.Failed, row.Attempts, ErrorReason: FailureReasons.WindowExpired));
                continue;
            }

            if (row.PreviousFailed)
            {
                _stats.Record(FailureReasons.PreviousFailed);
                _results.Writer.TryWrite(new SendOutcome(row, OutcomeKind.Failed, row.Attempts, ErrorReason: FailureReasons.PreviousFailed));
                continue;
            }

            DateTime readyAt;
            lock (_pacing)
            {
                readyAt = _pacer.ReadyAt(row.Recipient, now);
                if (readyAt <= now)
                {
                    _pacer.Take(row.Recipient, now);
                    _bucket.Take(now);
                }
            }

            if (readyAt > now)
            {
                // Paced or backing off: back to the queue, due when the recipient is ready. Others go on.
                _stats.Record("released");
                _results.Writer.TryWrite(new SendOutcome(row, OutcomeKind.Requeue, row.Attempts, NextAttemptAt: readyAt));
                wakeAt = readyAt < wakeAt ? readyAt : wakeAt;
                continue;
            }

            Interlocked.Increment(ref _inFlight);
            var send = SendAsync(client, row);
            _sends[row.Id] = send;
            if (send.IsCompleted)
            {
                _sends.TryRemove(row.Id, out _); // it finished (and tried to remove itself) before it was added
            }
        }

        _stats.InFlight = Volatile.Read(ref _inFlight);
        return rows.Count >= limit ? TimeSpan.Zero : Min(idle, wakeAt - now) + MinWait;
    }

    private async Task SendAsync(WhatsAppCloudClient client, ClaimedRow row)
    {
        await Task.Yield(); // start the HTTP call off the claim loop
        SendOutcome outcome;
        try
        {
            var body = OutboundMessage.WithCallbackData(row.Payload, row.Id.ToString(CultureInfo.InvariantCulture));
            var result = await client.SendJsonAsync(body, _abortSends.Token);
            outcome = Classify(row, result);
        }
        catch (OperationCanceledException) when (_abortSends.IsCancellationRequested)
        {
            // Shutdown outlived ShutdownWait: back to the queue (Meta may have it: part of the at-least-once window).
            _stats.Record("requeued");
            outcome = new SendOutcome(row, OutcomeKind.Requeue, row.Attempts + 1, NextAttemptAt: Now(), ErrorReason: "shutdown");
        }
        catch (Exception ex)
        {
            // The stored payload is not a JSON object (WithCallbackData throws): it never will be.
            _logger.LogError(ex, "Outbox {OutboxId} to {Recipient} could not be sent", row.Id, row.Recipient);
            _stats.Record("failed", GraphError.ValidationFailureCode);
            outcome = new SendOutcome(row, OutcomeKind.Failed, row.Attempts + 1, ErrorCode: GraphError.ValidationFailureCode,
                ErrorReason: "invalid_payload: " + ex.Message, ErrorClass: ErrorClass.Permanent);
        }

        _results.Writer.TryWrite(outcome);
        _sends.TryRemove(row.Id, out _);
        var left = Interlocked.Decrement(ref _inFlight);
        _stats.InFlight = left;
        if (left == _options.Concurrency - 1 || _health.IsPaused == false && left == 0)
        {
            _signal.Notify();
        }
    }

    private SendOutcome Classify(ClaimedRow row, SendResult result)
    {
        var now = Now();
        var attempts = row.Attempts + 1;
        if (result.IsAccepted)
        {
            lock (_pacing)
            {
                _pacer.OnAccepted(row.Recipient);
            }

            if (_health.IsPaused)
            {
                _logger.LogWarning("Meta accepted a probe send; outbox dispatch resumes");
                _health.Resumed();
            }

            _stats.Record("accepted");
            // One structured line per send outcome (HttpClient's own four lines per call are off by default: appsettings.json).
            _logger.LogInformation("Send {Outcome}: outbox {OutboxId} to {Recipient} as {WaMessageId} on attempt {Attempts}", "accepted", row.Id, row.Recipient, result.MessageId, attempts);
            return new SendOutcome(row, OutcomeKind.Accepted, attempts, result.MessageId);
        }

        var e = result.Error;
        var reason = Reason(e);
        _logger.LogWarning("Send {Outcome}: outbox {OutboxId} to {Recipient}: Graph error {Code} ({Class}) on attempt {Attempts}: {Message}",
            "error", row.Id, row.Recipient, e.Code, e.Class, attempts, e.Details ?? e.Message);

        switch (e.Class)
        {
            case ErrorClass.Auth:
                _health.Paused(e.Code, e.Message + (e.Details is null ? "" : " — " + e.Details), now);
                _probeAt = now + _options.AuthProbeInterval;
                _stats.Record("requeued", e.Code);
                _logger.LogError("Meta refused our credentials (code {Code}); outbox dispatch paused", e.Code);
                return new SendOutcome(row, OutcomeKind.Requeue, row.Attempts, NextAttemptAt: now, ErrorCode: e.Code, ErrorReason: reason);
            case ErrorClass.Permanent:
            case ErrorClass.WindowClosed:
            case ErrorClass.OptedOut:
            case ErrorClass.Experiment:
            case ErrorClass.TemplateUnavailable:
                return Fail(row, attempts, e, reason);
        }

        if (attempts >= _options.MaxAttempts)
        {
            return Fail(row, attempts, e, FailureReasons.MaxAttempts + ": " + reason);
        }

        DateTime next;
        switch (e.Class)
        {
            case ErrorClass.Throughput:
                lock (_pacing)
                {
                    _bucket.OnThroughputExceeded(now);
                    _stats.CurrentRateLimit = _bucket.Rate;
                }

                next = now + Backoff(attempts);
                break;
            case ErrorClass.PairRate:
                lock (_pacing)
                {
                    next = _pacer.OnPairRateHit(row.Recipient, now);
                }

                break;
            case ErrorClass.MarketingLimit:
                next = now + MarketingLimitDelay;
                break;
            case ErrorClass.NumberRestricted:
                _health.RestrictedBy(e.Code, e.Message + (e.Details is null ? "" : " — " + e.Details), now);
                next = now + _options.RestrictedRetry;
                break;
            case ErrorClass.RetryLater when e.MayHaveBeenSent:
                // Meta may have it: don't resend now; reconciliation waits for a status webhook (grace) first.
                _stats.Record("uncertain", e.Code);
                return new SendOutcome(row, OutcomeKind.Uncertain, attempts, ErrorCode: e.Code, ErrorReason: reason);
            default:
                next = now + Backoff(attempts);
                break;
        }

        _stats.Record("retry", e.Code);
        return new SendOutcome(row, OutcomeKind.Requeue, attempts, NextAttemptAt: next, ErrorCode: e.Code, ErrorReason: reason);
    }

    private SendOutcome Fail(ClaimedRow row, int attempts, GraphError e, string reason)
    {
        _stats.Record("failed", e.Code);
        return new SendOutcome(row, OutcomeKind.Failed, attempts, ErrorCode: e.Code, ErrorReason: reason, ErrorClass: e.Class);
    }

    /// <summary>1 s, 2 s, 4 s ... capped at 5 min, ±20 % jitter so retries of a burst spread out.</summary>
    private static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts - 1)) * (0.8 + (Random.Shared.NextDouble() * 0.4)));

    private static string Reason(GraphError e)
    {
        var kind = e.Class switch
        {
            ErrorClass.Permanent => "permanent",
            ErrorClass.RetryLater => "retry_later",
            ErrorClass.Throughput => "throughput",
            ErrorClass.PairRate => "pair_rate",
            ErrorClass.WindowClosed => "window_closed",
            ErrorClass.MarketingLimit => "marketing_limit",
            ErrorClass.OptedOut => "opted_out",
            ErrorClass.Auth => "auth",
            ErrorClass.NumberRestricted => "number_restricted",
            ErrorClass.Experiment => "experiment",
            ErrorClass.TemplateUnavailable => "template_unavailable",
            _ => "unknown",
        };
        return kind + ": " + (e.Details ?? e.Message);
    }

    /// <summary>
    /// This process just became the dispatcher (at start, or when the leader died). The rows the previous one left
    /// <c>Sending</c> would wait out the full delivery lease (2 minutes by default) and hold back each of those
    /// recipients' later items; only the previous leader could still be calling Meta for them, and no call outlives
    /// the request timeout. So their leases end then (plus two lease checks), and reconciliation adopts them from
    /// their status webhooks or requeues them after the grace, as for any expired lease.
    /// </summary>
    private async Task TakeOverAsync(DateTime now, CancellationToken ct)
    {
        // Once, before this term's first claim: later the Sending rows are this process's own.
        _leading = true;
        if (Volatile.Read(ref _inFlight) > 0)
        {
            // Our calls from an earlier term are still out, and their rows cannot be told apart: the leases stay.
            return;
        }

        var until = now + _requestTimeout + _leaseWait + _leaseWait;
        var cut = await _store.CutLeasesAsync(until, ct);
        if (cut > 0)
        {
            _logger.LogWarning("Took over dispatch: {Count} send(s) the previous dispatcher left in flight are reconciled from {Until:O}", cut, until);
            _nextMaintenance = until < _nextMaintenance ? until : _nextMaintenance;
        }
    }

    private async Task MaintainAsync(DateTime now, CancellationToken ct)
    {
        var (changes, adopted, requeued) = await _store.ReconcileAsync(now, _options.ReconcileGrace, ct);
        if (adopted > 0 || requeued > 0)
        {
            _logger.LogWarning("Reconciled lease-expired sends: {Adopted} adopted from status webhooks, {Requeued} requeued after the grace", adopted, requeued);
        }

        foreach (var change in changes)
        {
            _events.Publish(change);
        }

        var (swept, applied, expired) = await _store.SweepUnmatchedAsync(now, ct);
        if (applied > 0)
        {
            _logger.LogInformation("Applied {Applied} status webhooks that had matched no outbox row when they arrived", applied);
        }

        if (expired > 0)
        {
            _logger.LogDebug("Dropped {Expired} status webhooks that matched no outbox row for {Retention}", expired, OutboxStore.UnmatchedRetention);
        }

        foreach (var change in swept)
        {
            _events.Publish(change);
        }

        lock (_pacing)
        {
            _pacer.Prune(now);
        }
    }

    /// <summary>Writes results in batches (one transaction each) and announces the changes after commit.</summary>
    private async Task WriteLoopAsync()
    {
        await Task.Yield();
        var reader = _results.Reader;
        var batch = new List<SendOutcome>(MaxWriteBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxWriteBatch && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            await WriteWithRetryAsync(batch);
            batch.Clear();
            _signal.Notify(); // a group's next message, or a freed recipient, may be due now
        }
    }

    private async Task WriteWithRetryAsync(List<SendOutcome> batch)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                Publish(await _store.WriteAsync(batch, Now(), CancellationToken.None));
                return;
            }
            catch (Exception ex) when (failures < 3)
            {
                _logger.LogError(ex, "Writing {Count} send results failed; retrying", batch.Count);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (failures + 1)), _time);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Writing {Count} send results keeps failing; writing them one by one", batch.Count);
                break;
            }
        }

        foreach (var one in batch)
        {
            try
            {
                Publish(await _store.WriteAsync([one], Now(), CancellationToken.None));
            }
            catch (Exception ex)
            {
                // The row stays Sending; when its lease runs out, reconciliation takes it over.
                _logger.LogError(ex, "Result of outbox {OutboxId} ({Kind}) could not be stored; left to reconciliation", one.Row.Id, one.Kind);
            }
        }
    }

    private void Publish(List<DeliveryStateChange> changes)
    {
        foreach (var change in changes)
        {
            _events.Publish(change);
        }
    }

    /// <summary>Clean stop: in-flight sends get <see cref="DeliveryOptions.ShutdownWait"/> to finish, then are cancelled (rows requeued).</summary>
    private async Task DrainAsync()
    {
        var pending = _sends.Values.ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        _logger.LogInformation("Stopping: waiting for {Count} in-flight sends", pending.Length);
        try
        {
            await Task.WhenAll(pending).WaitAsync(_options.ShutdownWait, _time);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("In-flight sends did not finish within {Wait}; cancelling them and requeueing their rows", _options.ShutdownWait);
            await _abortSends.CancelAsync();
            await Task.WhenAll(_sends.Values.ToArray());
        }
    }

    public override void Dispose()
    {
        _abortSends.Dispose();
        base.Dispose();
    }

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : (b < TimeSpan.Zero ? TimeSpan.Zero : b);
}

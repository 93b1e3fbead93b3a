using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Webhooks;

/// <summary>One webhook POST (possibly several statuses), with its retry state.</summary>
internal sealed class WebhookJob(byte[] body, int statuses, long generation)
{
    public byte[] Body { get; } = body;
    public int Statuses { get; } = statuses;
    public long Generation { get; } = generation;
    public int Attempts { get; set; }
    public bool FaultsRolled { get; set; }
    public string? Signature { get; set; }
}

/// <summary>
/// Delivers webhooks from a bounded queue in the background, never on the request path: signs each body
/// (<c>X-Hub-Signature-256</c>), treats anything but HTTP 200 as a failure and retries it (first retry at once,
/// then exponential backoff on the TimeProvider), and applies the webhook faults (duplicate, delay, fail, batch).
/// </summary>
internal sealed partial class WebhookDispatcher : BackgroundService
{
    private readonly SandboxOptions _options;
    private readonly FaultInjector _faults;
    private readonly DelayScheduler _scheduler;
    private readonly SandboxStats _stats;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly Channel<WebhookJob> _channel;
    private readonly HttpClient _http;
    private readonly Uri? _url;
    private readonly byte[] _secret;
    private readonly Lock _batchGate = new();
    private List<StatusEvent> _batch = [];
    private long _generation;

    public WebhookDispatcher(IOptions<SandboxOptions> options, FaultInjector faults, DelayScheduler scheduler, SandboxStats stats,
        ILogger<WebhookDispatcher> logger)
    {
        _options = options.Value;
        _faults = faults;
        _scheduler = scheduler;
        _stats = stats;
        _logger = logger;
        _channel = Channel.CreateBounded<WebhookJob>(new BoundedChannelOptions(_options.Webhooks.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = _options.Webhooks.Concurrency == 1,
        });
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(_options.Webhooks.Concurrency, 2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = _options.Webhooks.Timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("facebookexternalua");
        _url = string.IsNullOrWhiteSpace(_options.WebhookUrl) ? null : new Uri(_options.WebhookUrl);
        _secret = Encoding.UTF8.GetBytes(_options.AppSecret);
    }

    public int Queued => _channel.Reader.CanCount ? _channel.Reader.Count : -1;

    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Queues a status change; batched when the batching fault is on.</summary>
    public void EnqueueStatus(StatusEvent status)
    {
        var faults = _faults.Current;
        if (faults.WebhookBatchSize <= 1)
        {
            Enqueue(new WebhookJob(WebhookPayloads.Statuses(_options, [status]), 1, Generation));
            return;
        }
        List<StatusEvent>? full = null;
        var startTimer = false;
        List<StatusEvent> batch;
        lock (_batchGate)
        {
            batch = _batch;
            batch.Add(status);
            if (batch.Count >= faults.WebhookBatchSize)
            {
                full = batch;
                _batch = [];
            }
            else if (batch.Count == 1)
            {
                startTimer = true;
            }
        }
        if (full is not null)
        {
            EnqueueBatch(full);
        }
        else if (startTimer)
        {
            _scheduler.Schedule(faults.WebhookBatchWindow, () =>
            {
                lock (_batchGate)
                {
                    if (!ReferenceEquals(_batch, batch)) return;
                    _batch = [];
                }
                EnqueueBatch(batch);
            });
        }
    }

    /// <summary>Queues an inbound-message webhook.</summary>
    public void EnqueueMessage(byte[] body) => Enqueue(new WebhookJob(body, 0, Generation));

    /// <summary>Forgets queued, delayed, batched and retrying webhooks.</summary>
    public void Reset()
    {
        Interlocked.Increment(ref _generation);
        lock (_batchGate)
        {
            _batch = [];
        }
        while (_channel.Reader.TryRead(out _))
        {
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.Webhooks.Concurrency).Select(_ => RunLoopAsync(stoppingToken)));

    private void EnqueueBatch(List<StatusEvent> batch)
    {
        if (batch.Count > 0) Enqueue(new WebhookJob(WebhookPayloads.Statuses(_options, batch), batch.Count, Generation));
    }

    private void Enqueue(WebhookJob job)
    {
        if (job.Generation != Generation) return;
        if (_channel.Writer.TryWrite(job))
        {
            _stats.OnWebhookEnqueued();
        }
        else
        {
            _stats.OnWebhookDropped();
        }
    }

    private async Task RunLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var job in _channel.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await DeliverAsync(job, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogDeliveryCrashed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(WebhookJob job, CancellationToken ct)
    {
        if (job.Generation != Generation) return;
        if (_url is null)
        {
            _stats.OnWebhookSkipped();
            return;
        }
        var forceFail = false;
        var duplicate = false;
        if (!job.FaultsRolled)
        {
            job.FaultsRolled = true;
            var faults = _faults.Current;
            if (_faults.Roll(faults.WebhookDelayShare))
            {
                _stats.OnWebhookDelayed();
                _scheduler.Schedule(faults.WebhookDelay, () => Enqueue(job));
                return;
            }
            forceFail = _faults.Roll(faults.WebhookFailShare);
            duplicate = _faults.Roll(faults.WebhookDuplicateShare);
        }

        var ok = await PostAsync(job, ct);
        if (ok && duplicate)
        {
            _stats.OnWebhookDuplicated();
            await PostAsync(job, ct);
        }
        if (ok && !forceFail)
        {
            _stats.OnWebhookSent(job.Statuses);
            return;
        }

        _stats.OnWebhookFailed();
        job.Attempts++;
        if (job.Attempts >= _options.Webhooks.MaxAttempts)
        {
            _stats.OnWebhookAbandoned();
            LogAbandoned(_logger, job.Attempts);
            return;
        }
        _stats.OnWebhookRetried();
        _scheduler.Schedule(RetryDelay(job.Attempts), () => Enqueue(job));
    }

    /// <summary>Meta retries "immediately, then … with decreasing frequency": 0, d, 2d, 4d … capped.</summary>
    internal TimeSpan RetryDelay(int failures)
    {
        if (failures <= 1) return TimeSpan.Zero;
        var factor = Math.Pow(2, Math.Min(failures - 2, 30));
        var ticks = Math.Min(_options.Webhooks.RetryDelay.Ticks * factor, _options.Webhooks.MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    private async Task<bool> PostAsync(WebhookJob job, CancellationToken ct)
    {
        job.Signature ??= "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, job.Body));
        using var request = new HttpRequestMessage(HttpMethod.Post, _url);
        request.Content = new ByteArrayContent(job.Body);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", job.Signature);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.OK) return true;
            LogRejected(_logger, (int)response.StatusCode);
            return false;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            LogUnreachable(_logger, ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery crashed")]
    private static partial void LogDeliveryCrashed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook abandoned after {Attempts} attempts")]
    private static partial void LogAbandoned(ILogger logger, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook answered HTTP {Status}; will retry")]
    private static partial void LogRejected(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook endpoint unreachable ({Reason}); will retry")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}

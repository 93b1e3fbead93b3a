using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Hubix.AccountHealth;

/// <summary><c>Hubix:Alerts</c>: where alerts go and when the watcher raises them.</summary>
public sealed class AlertOptions : IHubixOptions
{
    public static string Section => "Hubix:Alerts";

    /// <summary>
    /// An HTTPS (or loopback HTTP) URL that receives a JSON POST per alert: Slack's incoming-webhook <c>text</c> plus
    /// structured fields (<c>kind</c>, <c>severity</c>, <c>subject</c>, <c>at</c>, <c>details</c>). Empty: alerts are only logged and shown.
    /// </summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The same alert (kind and subject) is posted again only after this long. Default 1 hour.</summary>
    public TimeSpan Repeat { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the watcher looks at the dispatcher, the inbox and the dead letters. Default 1 minute.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Alert when more webhook bodies than this wait in the inbox. Default 10,000.</summary>
    public int InboxBacklogThreshold { get; set; } = 10_000;

    /// <summary>Alert when more dead letters than this arrived in the last hour. Default 0 (any).</summary>
    public int DeadLetterThreshold { get; set; }

    /// <summary>Alert when more advisors than this were skipped for the messaging limit in one run. Default 0 (any).</summary>
    public int MessagingLimitSkipThreshold { get; set; }

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrEmpty(WebhookUrl) &&
            !(Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || (u.Scheme == Uri.UriSchemeHttp && u.IsLoopback))))
        {
            yield return $"Hubix:Alerts:WebhookUrl '{WebhookUrl}' must be an absolute https:// URL (http:// only on loopback).";
        }

        if (Repeat < TimeSpan.Zero || CheckInterval <= TimeSpan.Zero || InboxBacklogThreshold < 0 || DeadLetterThreshold < 0 || MessagingLimitSkipThreshold < 0)
        {
            yield return "Hubix:Alerts: Repeat must not be negative, CheckInterval positive, and the thresholds not negative.";
        }
    }
}

/// <summary>One alert. <see cref="Kind"/> is stable for routing: template_paused, template_disabled, template_rejected,
/// template_recategorised, template_category_pending, template_quality, phone_quality, account_update, daily_run_stopped,
/// messaging_limit, number_restricted, dispatcher_paused, inbox_backlog, dead_letters.</summary>
public sealed record Alert(string Kind, string Severity, string Subject, string Text, DateTime At, IReadOnlyDictionary<string, string?>? Details = null);

/// <summary>
/// Posts alerts to <see cref="AlertOptions.WebhookUrl"/> from a queue (never on the caller's thread; a slow or failing
/// receiver delays nothing), keeps the last ones for the API and the dashboard's banner, and drops a repeat of the same
/// kind and subject within <see cref="AlertOptions.Repeat"/>. A failed POST is retried three times, then logged.
/// </summary>
public sealed class AlertSender : BackgroundService
{
    private const int Kept = 50;
    private readonly Channel<Alert> _queue = Channel.CreateBounded<Alert>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<string, DateTime> _lastSent = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Alert> _recent = new();
    private readonly IHttpClientFactory _http;
    private readonly AlertOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertSender> _logger;
    private long _posted;

    public AlertSender(IHttpClientFactory http, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertSender> logger)
    {
        _http = http;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Alerts raised in this process, newest last (at most 50).</summary>
    public IReadOnlyList<Alert> Recent => _recent.ToArray();

    private readonly ConcurrentDictionary<string, long> _raisedByKind = new(StringComparer.Ordinal);

    /// <summary>Alerts raised in this process by kind (the <c>hubix_alerts_total</c> metric).</summary>
    public IReadOnlyDictionary<string, long> RaisedByKind => new Dictionary<string, long>(_raisedByKind, StringComparer.Ordinal);

    /// <summary>Alerts the receiver answered 2xx to.</summary>
    public long Posted => Interlocked.Read(ref _posted);

    /// <summary>Raises an alert unless the same kind and subject was raised within <see cref="AlertOptions.Repeat"/>; returns whether it was raised.</summary>
    public bool Raise(Alert alert)
    {
        var key = alert.Kind + "|" + alert.Subject;
        var now = _time.GetUtcNow().UtcDateTime;
        var raised = false;
        _lastSent.AddOrUpdate(key, _ => { raised = true; return now; }, (_, last) =>
        {
            if (now - last >= _options.Repeat)
            {
                raised = true;
                return now;
            }

            return last;
        });
        if (!raised)
        {
            return false;
        }

        _raisedByKind.AddOrUpdate(alert.Kind, 1, (_, n) => n + 1);
        _recent.Enqueue(alert);
        while (_recent.Count > Kept && _recent.TryDequeue(out _))
        {
        }

        var level = alert.Severity == "critical" ? LogLevel.Error : LogLevel.Warning;
        _logger.Log(level, "Alert {Kind} ({Severity}) {Subject}: {Text}", alert.Kind, alert.Severity, alert.Subject, alert.Text);
        if (!string.IsNullOrEmpty(_options.WebhookUrl))
        {
            _queue.Writer.TryWrite(alert);
        }

        return true;
    }

    /// <summary>Posts what is queued now, for a host that runs no background services (a CLI command).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        while (_queue.Reader.TryRead(out var alert))
        {
            await PostAsync(alert, ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            await PostAsync(alert, stoppingToken);
        }
    }

    private async Task PostAsync(Alert alert, CancellationToken ct)
    {
        var body = new AlertBody(
            $"[Hubix] {alert.Severity.ToUpperInvariant()}: {alert.Text}", alert.Kind, alert.Severity, alert.Subject, alert.At, alert.Details ?? new Dictionary<string, string?>());
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                using var client = _http.CreateClient(nameof(AlertSender));
                using var response = await client.PostAsJsonAsync(_options.WebhookUrl, body, AlertJson.Default.AlertBody, ct);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _posted);
                    return;
                }

                _logger.LogWarning("Alert receiver answered HTTP {Status} to {Kind} (attempt {Attempt})", (int)response.StatusCode, alert.Kind, attempt);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                _logger.LogWarning("Alert {Kind} could not be posted (attempt {Attempt}): {Error}", alert.Kind, attempt, ex.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(attempt * 2), _time, ct);
        }

        _logger.LogError("Alert {Kind} for {Subject} was not delivered to Hubix:Alerts:WebhookUrl after 3 attempts", alert.Kind, alert.Subject);
    }
}

/// <summary>The POSTed JSON: Slack reads <c>text</c>; anything else reads the fields.</summary>
public sealed record AlertBody(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("at")] DateTime At,
    [property: JsonPropertyName("details")] IReadOnlyDictionary<string, string?> Details);

[JsonSerializable(typeof(AlertBody))]
internal sealed partial class AlertJson : JsonSerializerContext;

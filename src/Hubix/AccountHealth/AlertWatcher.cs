using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.AccountHealth;

/// <summary>
/// Looks every <see cref="AlertOptions.CheckInterval"/> at what no single writer sees: the dispatcher paused by an auth
/// error, the number restricted (131048/131064), the inbox backlog and recent dead letters; raises an alert for each
/// above its threshold (repeats are dropped by <see cref="AlertSender"/>).
/// </summary>
internal sealed class AlertWatcher : PollingWorker
{
    /// <summary>The meter the Prometheus exporter reads (<c>Hubix</c>); deploy/prometheus/hubix-alerts.yml alerts on these.</summary>
    private readonly Meter _meter = new("Hubix");
    private readonly HubixDb db;
    private readonly DeliveryHealth delivery;
    private readonly AlertSender alerts;
    private readonly AlertOptions _options;
    private int _deadLastHour;
    private int _templatesStopped;

    public AlertWatcher(HubixDb db, DeliveryHealth delivery, AlertSender alerts, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertWatcher> logger)
        : base(time, logger)
    {
        this.db = db;
        this.delivery = delivery;
        this.alerts = alerts;
        _options = options.Value;
        _meter.CreateObservableCounter("hubix.alerts", () => alerts.RaisedByKind.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            description: "Alerts raised, by kind (template_paused, template_recategorised, messaging_limit, dispatcher_paused ...).");
        _meter.CreateObservableGauge("hubix.dispatcher.paused", () => delivery.IsPaused ? 1 : 0, description: "1 while the dispatcher is paused by an auth error.");
        _meter.CreateObservableGauge("hubix.dead_letters.last_hour", () => Volatile.Read(ref _deadLastHour), description: "Dead letters stored in the last hour (as of the watcher's last look).");
        _meter.CreateObservableGauge("hubix.templates.stopped", () => Volatile.Read(ref _templatesStopped),
            description: "Templates the daily run does not send: paused, disabled, rejected, or recategorised and not confirmed.");
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override async Task<TimeSpan> RunRoundAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        if (delivery.Pause is { } pause)
        {
            alerts.Raise(new Alert("dispatcher_paused", "critical", "dispatcher",
                $"Sending is paused since {pause.Since:yyyy-MM-dd HH:mm} UTC: Meta refused the access token (code {pause.Code}). Fix Hubix:WhatsApp:AccessToken.", now,
                new Dictionary<string, string?> { ["code"] = pause.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        if (delivery.Restricted is { } restricted && now - restricted.Since < TimeSpan.FromHours(1))
        {
            alerts.Raise(new Alert("number_restricted", "critical", "phone_number",
                $"Meta restricts sending from the number (code {restricted.Code}): {restricted.Reason}. Check its quality rating; restricted messages retry after Hubix:Delivery:RestrictedRetry.", now,
                new Dictionary<string, string?> { ["code"] = restricted.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        await using var context = db.CreateDbContext();
        var backlog = await context.Set<InboxEvent>().CountAsync(e => e.State == InboxState.Pending, ct);
        if (backlog > _options.InboxBacklogThreshold)
        {
            alerts.Raise(new Alert("inbox_backlog", "warning", "inbox",
                $"{backlog} webhook bodies wait in the inbox (threshold {_options.InboxBacklogThreshold}).", now,
                new Dictionary<string, string?> { ["backlog"] = backlog.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        var since = now - TimeSpan.FromHours(1);
        var dead = await context.Set<DeadLetter>().CountAsync(d => d.At >= since, ct);
        Volatile.Write(ref _deadLastHour, dead);
        var templates = await context.Set<TemplateHealth>().AsNoTracking().Select(t => new { t.Status, t.Category, t.ConfirmedCategory }).ToListAsync(ct);
        Volatile.Write(ref _templatesStopped, templates.Count(t => AccountHealthStore.IsBlocking(t.Status) ||
            (t.Category is { } c && c != "UTILITY" && c != t.ConfirmedCategory)));
        if (dead > _options.DeadLetterThreshold)
        {
            alerts.Raise(new Alert("dead_letters", "warning", "dead_letters",
                $"{dead} dead letters in the last hour (threshold {_options.DeadLetterThreshold}); see GET /api/dead-letters.", now,
                new Dictionary<string, string?> { ["count"] = dead.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        return _options.CheckInterval;
    }
}

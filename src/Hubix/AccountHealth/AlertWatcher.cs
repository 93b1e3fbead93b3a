using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.AccountHealth;

/// <summary>
/// Looks every <see cref="AlertOptions.CheckInterval"/> at what no single writer sees: the dispatcher paused by an auth
/// error, the number restricted (131048/131064), the inbox backlog and recent dead letters; raises an alert for each
/// above its threshold (repeats are dropped by <see cref="AlertSender"/>).
/// </summary>
internal sealed class AlertWatcher(
    HubixDb db, DeliveryHealth delivery, AlertSender alerts, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertWatcher> logger)
    : PollingWorker(time, logger)
{
    private readonly AlertOptions _options = options.Value;

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
        if (dead > _options.DeadLetterThreshold)
        {
            alerts.Raise(new Alert("dead_letters", "warning", "dead_letters",
                $"{dead} dead letters in the last hour (threshold {_options.DeadLetterThreshold}); see GET /api/dead-letters.", now,
                new Dictionary<string, string?> { ["count"] = dead.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        return _options.CheckInterval;
    }
}

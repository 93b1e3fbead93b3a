using Hubix.AccountHealth;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>The run's messaging-limit decision: who may be sent to, who is over the limit, and a sentence for the run's note.</summary>
public sealed record MessagingBudget(IReadOnlySet<long> Over, string? Note);

/// <summary>
/// Meta's messaging limit: a business portfolio may reach at most N unique users outside an open customer-service window
/// in a moving 24 h (REFERENCE §11). The daily run asks this before it enqueues:
/// <list type="bullet">
/// <item>an advisor whose window is open (wrote or tapped within <see cref="UnlockOptions.Window"/>) costs nothing;</item>
/// <item>an advisor already sent a daily template in the last 24 h is already one of the N (users are counted once);</item>
/// <item>everyone else takes one of what is left, in this order: the most recent last message (tap or text) first, then
/// those who never wrote, oldest advisor first. The rest are skipped with <c>messaging_limit</c>.</item>
/// </list>
/// The limit is <c>Hubix:WhatsApp:MessagingLimit</c>, else the newest phone_number_quality_update webhook's, else the
/// phone number's <c>whatsapp_business_manager_messaging_limit</c> from the API (read at most hourly); unknown means no limit
/// (said in the run's note). Conservative by design: every daily template sent in the last 24 h counts, even one that
/// went into an open window, and other traffic of the portfolio is not seen.
/// </summary>
public sealed class MessagingLimiter(
    HubixDb db, AccountHealthStore health, AlertSender alerts, IServiceProvider services, IOptions<WhatsAppOptions> whatsApp, IOptions<UnlockOptions> unlock,
    IOptions<AlertOptions> alertOptions, TimeProvider time, ILogger<MessagingLimiter> logger)
{
    private static readonly TimeSpan ApiTtl = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, int? Limit, string Source) _api;

    /// <summary>The limit in force (-1 or null: none) and where it comes from.</summary>
    public async Task<(int? Limit, string Source)> LimitAsync(CancellationToken ct)
    {
        var configured = whatsApp.Value.MessagingLimit;
        if (configured != 0)
        {
            return (configured, "Hubix:WhatsApp:MessagingLimit");
        }

        var (announced, _) = await health.AnnouncedLimitAsync(ct);
        if (announced is not null)
        {
            return (announced, "phone_number_quality_update webhook");
        }

        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (_api.At == default || now - _api.At >= ApiTtl)
            {
                try
                {
                    var result = await services.GetRequiredService<WhatsAppCloudClient>().GetPhoneNumberAsync(ct);
                    _api = result.IsSuccess
                        ? (now, AccountUpdates.LimitOf(result.Value.MessagingLimitTier), "the phone number's messaging limit (API)")
                        : (now, null, $"unknown (the API answered {result.Error.Code}: {result.Error.Message})");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    _api = (now, null, "unknown (" + ex.Message + ")");
                }
            }

            return (_api.Limit, _api.Source);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells the operator that a run skipped advisors for the limit (above <c>Hubix:Alerts:MessagingLimitSkipThreshold</c>).</summary>
    public void Alert(int skipped, string? note)
    {
        if (skipped > alertOptions.Value.MessagingLimitSkipThreshold)
        {
            alerts.Raise(new Alert("messaging_limit", "warning", "daily_run", $"{skipped} advisors got no daily template: " + (note ?? "messaging limit reached."),
                time.GetUtcNow().UtcDateTime, new Dictionary<string, string?> { ["skipped"] = skipped.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }
    }

    /// <summary>Of <paramref name="candidates"/> (advisor ids about to get a template), those over the limit.</summary>
    public async Task<MessagingBudget> ApplyAsync(IReadOnlyCollection<long> candidates, DateTime now, CancellationToken ct)
    {
        if (candidates.Count == 0)
        {
            return new MessagingBudget(new HashSet<long>(), null);
        }

        var (limit, source) = await LimitAsync(ct);
        if (limit is null or < 0)
        {
            return new MessagingBudget(new HashSet<long>(), limit is null ? "Messaging limit " + source + ": not applied." : null);
        }

        var windowOpenSince = now - unlock.Value.Window;
        var since = now - TimeSpan.FromHours(24);
        await using var context = db.CreateDbContext();
        // Dates: a send made in the last 24 h is for a local date at most two days back (time zones span ~26 h).
        var fromDate = DateOnly.FromDateTime(since).AddDays(-2);
        var reached = (await context.Set<DailySend>().AsNoTracking()
            .Where(s => s.LocalDate >= fromDate && s.State == DailySendState.Queued && s.CreatedAt > since)
            .Select(s => s.AdvisorId).Distinct().ToListAsync(ct)).ToHashSet();
        var lastInbound = await context.Set<Advisor>().AsNoTracking().Where(a => a.DeletedAt == null)
            .Select(a => new { a.Id, a.LastInboundAt }).ToDictionaryAsync(a => a.Id, a => a.LastInboundAt, ct);

        var needing = candidates
            .Where(id => !reached.Contains(id) && !(lastInbound.GetValueOrDefault(id) is { } at && at > windowOpenSince))
            .OrderByDescending(id => lastInbound.GetValueOrDefault(id) ?? DateTime.MinValue)
            .ThenBy(id => id)
            .ToList();
        var left = Math.Max(0, limit.Value - reached.Count);
        var over = needing.Skip(left).ToHashSet();
        if (over.Count > 0)
        {
            logger.LogWarning("Messaging limit {Limit} ({Source}): {Reached} reached in the last 24 h, {Over} advisors skipped", limit, source, reached.Count, over.Count);
        }

        return new MessagingBudget(over, over.Count == 0 ? null
            : $"Messaging limit {limit} ({source}): {reached.Count} advisors reached in the last 24 h, {over.Count} skipped (most recent writers first).");
    }
}

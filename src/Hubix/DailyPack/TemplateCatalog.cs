using Hubix.AccountHealth;
using Hubix.WhatsApp.Client;

namespace Hubix.DailyPack;

/// <summary>The answer to "may we send this template now?"; <see cref="Reason"/> is a short code for the run's counts.</summary>
public sealed record TemplateCheck(bool Ok, string? Reason = null, string? Detail = null);

/// <summary>Whether a template exists and is APPROVED. Swappable for tests and the sandbox.</summary>
public interface ITemplateCatalog
{
    Task<TemplateCheck> CheckAsync(string name, string language, CancellationToken ct);
}

/// <summary>
/// Reads the Cloud API template list and caches it (~10 minutes; a failed fetch is retried after a minute). When
/// the list cannot be fetched we say so and do not send: sending an unapproved template fails for everyone.
/// What the template webhooks (and 132015/132016 send errors) told us since the list was read wins over the cached
/// list (<see cref="TemplateHealth"/>: each fact has its time), so a paused template stops the run at once, not after
/// up to 10 minutes. A template whose category is not UTILITY is sent only when an operator confirmed that category
/// (its pricing); otherwise the run stops with <c>template_recategorised</c> and an alert.
/// </summary>
public sealed class CloudTemplateCatalog(IServiceProvider services, AccountHealthStore health, AlertSender alerts, TimeProvider time) : ITemplateCatalog
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan FailureTtl = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<TemplateInfo>? List, string? Error) _cache;

    public async Task<TemplateCheck> CheckAsync(string name, string language, CancellationToken ct)
    {
        var (list, error, fetchedAt) = await GetAsync(ct);
        if (list is null)
        {
            return new TemplateCheck(false, "template_check_failed", "Could not read the template list from the Cloud API: " + error);
        }

        var named = list.Where(t => string.Equals(t.Name, name, StringComparison.Ordinal)).ToList();
        if (named.Count == 0)
        {
            return new TemplateCheck(false, "template_not_found", $"Template '{name}' does not exist in the WhatsApp Business Account.");
        }

        var match = named.FirstOrDefault(t => string.Equals(t.Language, language, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return new TemplateCheck(false, "template_not_found",
                $"Template '{name}' has no '{language}' version (it has: {string.Join(", ", named.Select(t => t.Language))}).");
        }

        var listedAt = fetchedAt.UtcDateTime;
        var record = await health.TemplateAsync(name, language, ct);
        var status = Pick(record?.Status, record?.StatusAt, AccountHealthStore.IsBlocking(record?.Status), match.Status, listedAt);
        var category = Pick(record?.Category?.ToUpperInvariant(), record?.CategoryAt, record?.Category is { } c && !c.Equals("UTILITY", StringComparison.OrdinalIgnoreCase),
            match.Category, listedAt)?.ToUpperInvariant();
        var check = Decide(name, language, status, category, record?.ConfirmedCategory);
        if (!check.Ok && check.Reason is "template_paused" or "template_disabled" or "template_rejected" or "template_recategorised")
        {
            alerts.Raise(new Alert("daily_run_stopped", "critical", TemplateKey.Subject(name, language), "The daily run sends nothing: " + check.Detail,
                time.GetUtcNow().UtcDateTime, new Dictionary<string, string?> { ["reason"] = check.Reason, ["status"] = status, ["category"] = category }));
        }

        return check;
    }

    /// <summary>
    /// The webhook's fact or the list's. A newer fact wins, except that a stop (paused, recategorised) from a webhook holds
    /// against a list read soon after it (Meta's list can lag its webhooks); a list read more than
    /// <see cref="ListOutranksWebhookAfter"/> later wins, so a missed "approved again" webhook does not stop the run forever.
    /// </summary>
    private static string? Pick(string? recorded, DateTime? recordedAt, bool recordStops, string? listed, DateTime listedAt)
    {
        if (recordedAt is not { } at)
        {
            return listed;
        }

        return recordStops ? (listedAt > at + ListOutranksWebhookAfter ? listed : recorded) : (at >= listedAt ? recorded : listed);
    }

    internal static readonly TimeSpan ListOutranksWebhookAfter = TimeSpan.FromHours(1);

    /// <summary>APPROVED (or REINSTATED) and UTILITY, or the category an operator confirmed.</summary>
    internal static TemplateCheck Decide(string name, string language, string? status, string? category, string? confirmedCategory)
    {
        var s = status?.ToUpperInvariant();
        if (s is not ("APPROVED" or "REINSTATED"))
        {
            var reason = s switch
            {
                "PAUSED" => "template_paused",
                "DISABLED" => "template_disabled",
                "REJECTED" => "template_rejected",
                _ => "template_not_approved",
            };
            return new TemplateCheck(false, reason, $"Template '{name}' ({language}) is {status ?? "of unknown status"}, not APPROVED.");
        }

        if (category is not null && category != "UTILITY" && category != confirmedCategory?.ToUpperInvariant())
        {
            return new TemplateCheck(false, "template_recategorised",
                $"Template '{name}' ({language}) is {category}, not UTILITY: it would be sent and priced as {category}. " +
                $"If that is intended, confirm it: POST /api/account/templates/{name}/{language}/confirm-category {{\"category\":\"{category}\"}}.");
        }

        return new TemplateCheck(true);
    }

    private async Task<(IReadOnlyList<TemplateInfo>? List, string? Error, DateTimeOffset At)> GetAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (_cache.At != default && now - _cache.At < (_cache.List is null ? FailureTtl : Ttl))
            {
                return (_cache.List, _cache.Error, _cache.At);
            }

            try
            {
                var result = await services.GetRequiredService<WhatsAppCloudClient>().ListTemplatesAsync(ct);
                _cache = result.IsSuccess ? (now, result.Value, null) : (now, null, $"{result.Error!.Code}: {result.Error.Message}");
            }
            catch (InvalidOperationException ex)
            {
                _cache = (now, null, ex.Message + " Set Hubix:WhatsApp:BusinessAccountId.");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                _cache = (now, null, ex.GetType().Name + ": " + ex.Message);
            }

            return (_cache.List, _cache.Error, _cache.At);
        }
        finally
        {
            _gate.Release();
        }
    }
}

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
/// </summary>
public sealed class CloudTemplateCatalog(IServiceProvider services, TimeProvider time) : ITemplateCatalog
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan FailureTtl = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<TemplateInfo>? List, string? Error) _cache;

    public async Task<TemplateCheck> CheckAsync(string name, string language, CancellationToken ct)
    {
        var (list, error) = await GetAsync(ct);
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

        if (!match.IsApproved)
        {
            return new TemplateCheck(false, "template_not_approved", $"Template '{name}' ({language}) is {match.Status}, not APPROVED.");
        }

        // A MARKETING template costs more, follows other delivery rules and may be held back by Meta: the daily message is UTILITY.
        return match.Category is null || string.Equals(match.Category, "UTILITY", StringComparison.OrdinalIgnoreCase)
            ? new TemplateCheck(true)
            : new TemplateCheck(false, "template_not_utility", $"Template '{name}' ({language}) is {match.Category}, not UTILITY.");
    }

    private async Task<(IReadOnlyList<TemplateInfo>? List, string? Error)> GetAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (_cache.At != default && now - _cache.At < (_cache.List is null ? FailureTtl : Ttl))
            {
                return (_cache.List, _cache.Error);
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

            return (_cache.List, _cache.Error);
        }
        finally
        {
            _gate.Release();
        }
    }
}

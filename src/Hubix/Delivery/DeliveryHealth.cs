using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hubix.Delivery;

/// <summary>
/// Whether this process's dispatcher is paused because Meta refused our credentials (190, 0, 3, 10, 200–299), and
/// why, for readiness and the dashboard. Cleared when a probe send succeeds or on restart (new configuration).
/// </summary>
public sealed class DeliveryHealth
{
    private volatile PauseInfo? _pause;

    /// <summary>Why dispatch is paused; null while it runs.</summary>
    public PauseInfo? Pause => _pause;

    public bool IsPaused => _pause is not null;

    internal void Paused(int code, string reason, DateTime at) => _pause ??= new PauseInfo(code, reason, at);

    internal void Resumed() => _pause = null;

    private volatile PauseInfo? _restricted;

    /// <summary>The last time Meta said the number is restricted (131048 spam, 131064 template violations); null if never
    /// in this process. Sends go on (each restricted message retries after <c>RestrictedRetry</c>); this is for alerts.</summary>
    public PauseInfo? Restricted => _restricted;

    internal void RestrictedBy(int code, string reason, DateTime at) => _restricted = new PauseInfo(code, reason, at);

    /// <param name="Code">Meta's error code (190: token expired ...).</param>
    /// <param name="Reason">Meta's message and details (the token is never part of it).</param>
    /// <param name="Since">When dispatch paused (UTC).</param>
    public sealed record PauseInfo(int Code, string Reason, DateTime Since);
}

/// <summary>Readiness goes red while the dispatcher is paused by an auth error.</summary>
internal sealed class DeliveryHealthCheck(DeliveryHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pause = health.Pause;
        return Task.FromResult(pause is null
            ? HealthCheckResult.Healthy("dispatching")
            : HealthCheckResult.Unhealthy(FormattableString.Invariant(
                $"dispatch paused since {pause.Since:O}: Meta refused the access token (code {pause.Code}): {pause.Reason}. Fix Hubix:WhatsApp:AccessToken and restart; a probe retries meanwhile.")));
    }
}

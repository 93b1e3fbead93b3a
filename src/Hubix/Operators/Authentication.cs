using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Hubix.Operators;

/// <summary><c>Hubix:Auth</c>: sessions, the brute-force limit and live-feed tickets.</summary>
public sealed class AuthOptions : IHubixOptions
{
    public static string Section => "Hubix:Auth";

    /// <summary>How long a dashboard session lasts without use (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Wrong passwords and wrong keys one client address may send per <see cref="FailureWindow"/> before it gets 429.</summary>
    public int MaxFailures { get; set; } = 10;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a live-feed ticket (<c>POST /api/ws-ticket</c>) may wait before it is used; it works once.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems()
    {
        if (SessionLifetime < TimeSpan.FromMinutes(1))
        {
            yield return "Hubix:Auth:SessionLifetime must be at least 00:01:00.";
        }

        if (MaxFailures is < 1 or > 100_000)
        {
            yield return "Hubix:Auth:MaxFailures must be between 1 and 100000.";
        }

        if (FailureWindow < TimeSpan.FromSeconds(1))
        {
            yield return "Hubix:Auth:FailureWindow must be at least 00:00:01.";
        }

        if (TicketLifetime < TimeSpan.FromSeconds(1) || TicketLifetime > TimeSpan.FromMinutes(10))
        {
            yield return "Hubix:Auth:TicketLifetime must be between 00:00:01 and 00:10:00.";
        }
    }
}

/// <summary>
/// Counts wrong passwords and wrong keys per client address in a fixed window (System.Threading.RateLimiting, the
/// limiters under ASP.NET Core's rate limiting). ASP.NET Core's middleware counts requests; this counts failures, so
/// a busy script with the right key is never slowed while a guesser is stopped after <see cref="AuthOptions.MaxFailures"/>.
/// </summary>
public sealed class FailureLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FailureLimiter(IOptions<AuthOptions> options)
    {
        var o = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.MaxFailures,
            Window = o.FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        Window = o.FailureWindow;
    }

    public TimeSpan Window { get; }

    public static string ClientOf(HttpContext http) => (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString();

    /// <summary>Whether this client has used up its failures for now.</summary>
    public bool IsBlocked(string client)
    {
        using var lease = _limiter.AttemptAcquire(client, 0);
        return !lease.IsAcquired;
    }

    public void RecordFailure(string client)
    {
        using var _ = _limiter.AttemptAcquire(client, 1);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>429 with Retry-After for a blocked client.</summary>
    public Task RejectAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Window.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed attempts",
            detail: "Too many wrong passwords or keys from this address; wait and try again.").ExecuteAsync(http);
    }
}

/// <summary>
/// <c>Authorization: Bearer ...</c>: the machine key (<c>Hubix:AdminApiKey</c>, acting as admin under the name
/// <c>api-key</c>) or a user's API token (acting as that user with their current role). A wrong one counts as a failure.
/// </summary>
internal sealed class BearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    CredentialCheck check, FailureLimiter limiter)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (CredentialCheck.BearerOf(Request) is not { } given)
        {
            return AuthenticateResult.NoResult();
        }

        var principal = await check.FromBearerAsync(given, Scheme.Name, Context.RequestAborted);
        if (principal is null)
        {
            limiter.RecordFailure(FailureLimiter.ClientOf(Context));
            return AuthenticateResult.Fail("The bearer key or token is not valid.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return AuthProblems.Unauthorized(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthProblems.Forbidden(Context);
}

/// <summary>The answers of a missing or wrong credential (401) and of a role too low (403), as problem details.</summary>
internal static class AuthProblems
{
    public static Task Unauthorized(HttpContext http) =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "Sign in, or send Authorization: Bearer <an API token or Hubix:AdminApiKey>.").ExecuteAsync(http);

    public static Task Forbidden(HttpContext http) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: "Your role does not allow this.").ExecuteAsync(http);
}

/// <summary>Turns a bearer credential into a principal; also used by the live feed's own listener, which has no auth middleware.</summary>
public sealed class CredentialCheck(IOptions<ServerOptions> server, UserService users)
{
    public const string BearerScheme = "Bearer";

    public static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    public async Task<System.Security.Claims.ClaimsPrincipal?> FromBearerAsync(string given, string scheme, CancellationToken ct)
    {
        if (given.Length == 0)
        {
            return null;
        }

        if (given.StartsWith(UserService.TokenPrefix, StringComparison.Ordinal))
        {
            return await users.FindByTokenAsync(given, ct) is { } user
                ? ActorClaims.Principal(user.Name, user.Role, "token", user.Id, scheme)
                : null;
        }

        var key = server.Value.AdminApiKey;
        return key.Length > 0 && Secrets.FixedTimeEquals(given, key)
            ? ActorClaims.Principal(ActorClaims.MachineKeyActor, Roles.Admin, "api-key", null, scheme)
            : null;
    }
}

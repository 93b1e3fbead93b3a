using Hubix.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;

namespace Hubix.Operators;

/// <summary>
/// Who may do what: named users with roles, their dashboard sessions (an HttpOnly, SameSite=Strict cookie) and API
/// tokens, the machine key, live-feed tickets, the brute-force limit, and the audit trail every change writes.
/// Every <c>/api</c> route declares its role with <see cref="Policies"/> (docs/decisions/ADR-011-operators-and-audit.md).
/// </summary>
public static class OperatorsFeature
{
    /// <summary>The default scheme: a bearer header goes to <see cref="CredentialCheck.BearerScheme"/>, anything else to the session cookie.</summary>
    public const string Scheme = "Hubix";
    public const string CookieScheme = "Session";
    public const string CookieName = "hubix.session";
    public const string SignInLimit = "signin";

    public static IHostApplicationBuilder AddOperators(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<AuthOptions>();
        builder.Services.AddSingleton<UserService>();
        builder.Services.AddSingleton<CredentialCheck>();
        builder.Services.AddSingleton<FailureLimiter>();
        builder.Services.AddSingleton<WsTickets>();

        // The cookie keys in the database: every replica reads and writes one key ring (ADR-007).
        builder.Services.AddDataProtection().SetApplicationName("Hubix");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<HubixDb>((o, db) => o.XmlRepository = new DatabaseKeyRing(db));

        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Session cookie or bearer", o => o.ForwardDefaultSelector = http =>
                CredentialCheck.BearerOf(http.Request) is not null ? CredentialCheck.BearerScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerHandler>(CredentialCheck.BearerScheme, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = c => AuthProblems.Unauthorized(c.HttpContext);
                o.Events.OnRedirectToAccessDenied = c => AuthProblems.Forbidden(c.HttpContext);
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<Microsoft.Extensions.Options.IOptions<AuthOptions>>((o, auth) => o.ExpireTimeSpan = auth.Value.SessionLifetime);

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Viewer, p => p.RequireAuthenticatedUser().RequireRole(Roles.Viewer, Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin));

        // Sign-in attempts (right or wrong) per client address, on top of the failure limit: ASP.NET Core's limiter.
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInLimit, http => RateLimitPartition.GetFixedWindowLimiter(FailureLimiter.ClientOf(http), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = 30,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        });
        return builder;
    }

    /// <summary>
    /// A client over its failure limit gets 429 before any credential is checked; then authentication and authorization
    /// (after routing, so each endpoint's policy applies, and before any endpoint reads its body).
    /// </summary>
    public static WebApplication UseOperators(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var carriesCredential = http.Request.Headers.Authorization.Count > 0
                || (HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(OperatorEndpoints.SessionPath, StringComparison.OrdinalIgnoreCase));
            var limiter = http.RequestServices.GetRequiredService<FailureLimiter>();
            if (carriesCredential && limiter.IsBlocked(FailureLimiter.ClientOf(http)))
            {
                await limiter.RejectAsync(http);
                return;
            }

            await next(http);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static IEndpointRouteBuilder MapOperators(this IEndpointRouteBuilder app)
    {
        OperatorEndpoints.Map(app);
        return app;
    }

    /// <summary>Every request of a session: the user must still exist and be enabled; a changed role applies at once.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserService>();
        var id = context.Principal?.UserIdOf();
        var user = id is { } i ? await users.FindEnabledAsync(i, context.HttpContext.RequestAborted) : null;
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
            return;
        }

        if (!context.Principal!.IsInRole(user.Role) || context.Principal.ActorName() != user.Name)
        {
            context.ReplacePrincipal(ActorClaims.Principal(user.Name, user.Role, "cookie", user.Id, CookieScheme));
            context.ShouldRenew = true;
        }
    }

    internal static ClaimsPrincipal SessionPrincipal(UserAccount user) => ActorClaims.Principal(user.Name, user.Role, "cookie", user.Id, CookieScheme);
}

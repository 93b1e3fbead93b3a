using System.Security.Claims;

namespace Hubix.Operators;

/// <summary>
/// The three roles a person (or a token, or the machine key) acts with. Each is a superset of the one before it:
/// a viewer reads; an operator also works conversations (reply, hand back, resend); an admin also changes advisors,
/// content and users, approves packs and reads the audit trail.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly string[] All = [Viewer, Operator, Admin];

    public static bool IsValid(string? role) => role is Viewer or Operator or Admin;
}

/// <summary>
/// The authorization policies every <c>/api</c> route declares (one of <see cref="Viewer"/>, <see cref="Operator"/>,
/// <see cref="Admin"/>). The authorization middleware runs them after routing and before the endpoint binds its body,
/// so a request without the right credentials never gets its body read.
/// </summary>
public static class Policies
{
    public const string Viewer = "role:viewer";
    public const string Operator = "role:operator";
    public const string Admin = "role:admin";

    /// <summary>Reads: any signed-in user, token or the machine key.</summary>
    public static TBuilder RequireViewer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Viewer);

    /// <summary>Conversation work: reply, hand back, resend.</summary>
    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Operator);

    /// <summary>Advisors, content, users, approval, the audit trail.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Admin);
}

/// <summary>Who is acting, as the claims of the signed-in principal say.</summary>
public static class ActorClaims
{
    /// <summary>The <c>Users</c> row id of a person (absent for the machine key).</summary>
    public const string UserId = "hubix:user_id";

    /// <summary>How they authenticated: <c>cookie</c>, <c>token</c> or <c>api-key</c>.</summary>
    public const string Via = "hubix:via";

    /// <summary>The actor name of <c>Hubix:AdminApiKey</c> in the audit trail.</summary>
    public const string MachineKeyActor = "api-key";

    public static string ActorName(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    public static long? UserIdOf(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(UserId), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>An audit note by this principal, to add in the same transaction as the change.</summary>
    public static AuditNote Audit(this ClaimsPrincipal user, string action, string target, string? detail = null) =>
        new(user.ActorName(), action, target, detail);

    public static ClaimsPrincipal Principal(string name, string role, string via, long? userId, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role), new(Via, via) };
        if (userId is { } id)
        {
            claims.Add(new Claim(UserId, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }
}

using Microsoft.Extensions.Options;

namespace Hubix.Kernel;

/// <summary><c>Hubix</c>: the server's own settings.</summary>
public sealed class ServerOptions : IHubixOptions
{
    public static string Section => "Hubix";

    /// <summary>The bearer key of every <c>/api/*</c> route, the live feed and (unless public) <c>/metrics</c>. Required for <c>serve</c>.</summary>
    public string AdminApiKey { get; set; } = "";

    /// <summary>On SIGTERM, how long hosted services get to drain before the process exits.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems()
    {
        if (ShutdownTimeout <= TimeSpan.Zero)
        {
            yield return "Hubix:ShutdownTimeout must be positive (e.g. 00:00:30).";
        }
    }
}

/// <summary>Every <c>/api/*</c> route needs <c>Authorization: Bearer {Hubix:AdminApiKey}</c>.</summary>
public static class AdminKey
{
    public static RouteGroupBuilder RequireAdminKey(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            return IsAuthorized(http.Request, http.RequestServices)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "Send Authorization: Bearer <Hubix:AdminApiKey>.");
        });
        return group;
    }

    /// <summary>Bearer header, or <c>access_token</c> in the query for browsers' WebSockets.</summary>
    /// <param name="services">The server's services (the live feed's own listener passes the server's, not its own).</param>
    public static bool IsAuthorized(HttpRequest request, IServiceProvider services, bool allowQueryToken = false)
    {
        var expected = services.GetRequiredService<IOptions<ServerOptions>>().Value.AdminApiKey;
        string? given = null;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = header["Bearer ".Length..].Trim();
        }
        else if (allowQueryToken)
        {
            given = request.Query["access_token"].ToString();
        }

        return Secrets.FixedTimeEquals(given, expected);
    }
}

/// <summary>
/// The CORS policy of the operators' API (origins from <c>Hubix:Dashboard:CorsOrigins</c>, registered by the dashboard):
/// every route a browser app calls with the admin key carries it.
/// </summary>
public static class DashboardCors
{
    public const string Policy = "dashboard";
}

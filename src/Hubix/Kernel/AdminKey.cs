namespace Hubix.Kernel;

/// <summary>Every <c>/api/*</c> route needs <c>Authorization: Bearer {Hubix:AdminApiKey}</c>.</summary>
public static class AdminKey
{
    public static RouteGroupBuilder RequireAdminKey(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var expected = http.RequestServices.GetRequiredService<IConfiguration>()["Hubix:AdminApiKey"];
            return IsAuthorized(http.Request, expected)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "Send Authorization: Bearer <Hubix:AdminApiKey>.");
        });
        return group;
    }

    /// <summary>Bearer header, or <c>access_token</c> in the query for browsers' WebSockets.</summary>
    public static bool IsAuthorized(HttpRequest request, string? expected, bool allowQueryToken = false)
    {
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

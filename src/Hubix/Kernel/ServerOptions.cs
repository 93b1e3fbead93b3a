namespace Hubix.Kernel;

/// <summary><c>Hubix</c>: the server's own settings.</summary>
public sealed class ServerOptions : IHubixOptions
{
    public static string Section => "Hubix";

    /// <summary>
    /// The machine key for automation: as <c>Authorization: Bearer</c> it acts as an admin named <c>api-key</c> on every
    /// <c>/api/*</c> route and <c>/metrics</c>. Required for <c>serve</c>, at least <see cref="MinAdminKeyLength"/> characters.
    /// </summary>
    public string AdminApiKey { get; set; } = "";

    /// <summary>A shorter machine key could be guessed; the check at start refuses it.</summary>
    public const int MinAdminKeyLength = 32;

    /// <summary>On SIGTERM, how long hosted services get to drain before the process exits.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems()
    {
        if (AdminApiKey.Length is > 0 and < MinAdminKeyLength)
        {
            yield return $"Hubix:AdminApiKey must be at least {MinAdminKeyLength} characters (e.g. `openssl rand -hex 32`).";
        }

        if (ShutdownTimeout <= TimeSpan.Zero)
        {
            yield return "Hubix:ShutdownTimeout must be positive (e.g. 00:00:30).";
        }
    }
}

/// <summary>
/// The CORS policy of the operators' API (origins from <c>Hubix:Dashboard:CorsOrigins</c>, registered by the dashboard):
/// every route a browser app calls carries it.
/// </summary>
public static class DashboardCors
{
    public const string Policy = "dashboard";
}

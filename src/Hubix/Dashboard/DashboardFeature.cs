namespace Hubix.Dashboard;

/// <summary><c>Hubix:Dashboard</c>: the operators' dashboard, its API, live feed and /metrics.</summary>
public sealed class DashboardOptions : IHubixOptions
{
    public static string Section => "Hubix:Dashboard";

    /// <summary>IANA zone that defines "a day" in metrics and reports (default <c>Asia/Kolkata</c>).</summary>
    public string TimeZone { get; set; } = "Asia/Kolkata";

    /// <summary>
    /// Extra listeners that serve only <c>/ws</c>, e.g. <c>http://0.0.0.0:3001</c> (separated by ';').
    /// Empty (default): <c>/ws</c> is served on the main port only.
    /// </summary>
    public string WebSocketUrls { get; set; } = "";

    /// <summary>Origins allowed to call the API and the live feed from a browser (CORS), e.g. <c>https://ops.example.com</c>. Empty by default.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>
    /// Serve <c>/metrics</c> without credentials (otherwise it needs a viewer: a token or the machine key). Off by default: the figures are counts only, but they
    /// still tell a stranger how busy the service is. Turn on when Prometheus scrapes over a private network.
    /// </summary>
    public bool PublicMetrics { get; set; }

    /// <summary>How often a metrics snapshot goes to live-feed clients and the gauges are sampled.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events buffered per WebSocket client before it counts as too slow and is dropped.</summary>
    public int ClientBuffer { get; set; } = LiveFeed.DefaultClientBuffer;

    /// <summary>Advisors the daily report reads and writes out at a time: its memory, and the wait for its first bytes.</summary>
    public int ReportBatchSize { get; set; } = DailyReportService.BatchSize;

    public TimeZoneInfo Zone() =>
        TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public IEnumerable<string> Problems()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            yield return "Hubix:Dashboard:TimeZone is not a known IANA time zone (e.g. Asia/Kolkata).";
        }

        if (SnapshotInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return "Hubix:Dashboard:SnapshotInterval must be at least 00:00:00.1.";
        }

        if (ClientBuffer is < 1 or > 100_000)
        {
            yield return "Hubix:Dashboard:ClientBuffer must be between 1 and 100000.";
        }
    }
}

/// <summary>
/// The operators' dashboard, the top of the feature tree: it only reads, and reads any feature's tables. The web UI at
/// <c>/</c>, its JSON API under <c>/api</c> (viewer role), the live feed at <c>/ws</c>, and <c>/metrics</c> for Prometheus.
/// </summary>
public static class DashboardFeature
{

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<DashboardOptions>();
        builder.Services.AddSingleton<MetricsService>();
        builder.Services.AddSingleton<ConversationService>();
        builder.Services.AddSingleton<TimelineService>();
        builder.Services.AddSingleton<DailyReportService>();
        builder.Services.AddSingleton<HubixMetrics>();
        builder.Services.AddSingleton<DashboardSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DashboardSampler>());
        builder.Services.AddHostedService<LiveFeedListener>();
        builder.Services.AddHostedService<MetricFolder>();

        var origins = builder.Configuration.GetSection(DashboardOptions.Section + ":CorsOrigins").Get<string[]>() ?? [];
        builder.Services.AddCors(o => o.AddPolicy(DashboardCors.Policy, p =>
        {
            if (origins.Length > 0)
            {
                p.WithOrigins(origins).WithHeaders("Authorization", "Content-Type").WithMethods("GET", "POST");
            }
        }));
        return builder;
    }

    /// <summary>Middleware the dashboard needs: CORS for the allow-list and WebSockets.</summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseCors();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        return app;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        DashboardEndpoints.Map(app);
        SettingsEndpoints.Map(app);
        return app;
    }
}

using System.Reflection;
using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Hubix.Dashboard;

/// <summary>The dashboard's routes: the web UI, the live feed, <c>/metrics</c>, and the read API under <c>/api</c>.</summary>
public static class DashboardEndpoints
{
    /// <summary>Longest range <c>/api/webhook/metrics</c> computes in one request.</summary>
    public const int MaxMetricsDays = 92;


    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Asset("index.html")).WithName("Dashboard").ExcludeFromDescription();
        // Nested files (views/*.js, vendor/*) too; the name is checked against a strict pattern before any lookup.
        app.MapGet("/dashboard/{**path}", (string path) => Asset(path)).WithName("DashboardAsset").ExcludeFromDescription();
        app.Map("/ws", (HttpContext http) => LiveSocket.HandleAsync(http, http.RequestServices)).WithName("LiveFeed").ExcludeFromDescription()
            .RequireCors(DashboardCors.Policy);
        // Authorised by the endpoint's own policy, so every spelling routing matches (/METRICS, /Metrics) is covered.
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (!app.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value.PublicMetrics)
        {
            metrics.RequireViewer();
        }


        var api = app.MapGroup("/api").RequireViewer().RequireCors(DashboardCors.Policy).WithTags("Dashboard");
        api.MapGet("/webhook/metrics", GetMetricsAsync).WithName("GetMetrics")
            .WithSummary("Per day (in Hubix:Dashboard:TimeZone) and template: the funnel from template to pack, chats, agent, opt-outs; plus failures by Meta error code.");
        api.MapGet("/webhook/conversations", ListConversationsAsync).WithName("ListConversations").WithPaging()
            .WithSummary("Conversations with advisors, newest first, each with its newest messages (messages=, default 20, max 100) and handoff state. state=all (default), needs_reply or handed_off. Keyset paging: pass nextCursor as cursor.");
        api.MapGet("/webhook/conversations/counts", CountConversationsAsync).WithName("CountConversations")
            .WithSummary("How many conversations need a reply and how many are handed off (the inbox tabs).");
        api.MapGet("/webhook/conversations/{phone}/messages", ListConversationMessagesAsync).WithName("ListConversationMessages").WithPaging()
            .WithSummary("Older messages of one conversation: pass a conversation's olderMessagesCursor (then each page's olderCursor) as before.");
        api.MapGet("/advisors/{phone}/timeline", GetTimelineAsync).WithName("GetAdvisorTimeline").WithPaging()
            .WithSummary("The newest entries (limit=, default 200, max 1000) about one advisor in time order: templates, taps, messages with their statuses, events. Pass olderCursor as before for earlier ones.");
        api.MapGet("/reports/daily", GetDailyReport).WithName("GetDailyReport")
            .Produces<DailyReport>(StatusCodes.Status200OK, "application/json", "text/csv").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Per advisor for one local day, streamed: template sent/delivered/read or why not (outcome, reason), tapped at, pack state, messages, chats. format=csv|json.");
        api.MapGet("/dashboard/daily-run", GetDailyRunAsync).WithName("GetDailyRun")
            .WithSummary("The daily run's state and the reasons for anything skipped.");
        api.MapGet("/dashboard/status", GetStatus).WithName("GetDashboardStatus")
            .WithSummary("Operational figures: webhook requests, inbox lag, outbox depth, live-feed clients.");
    }

    private static readonly Assembly Self = typeof(DashboardEndpoints).Assembly;

    /// <summary>
    /// Lower-case segments of letters, digits, dots, dashes and underscores, separated by single slashes, each starting
    /// with a letter or digit: no "..", no backslash, no absolute path, no encoded tricks (routing has decoded them already).
    /// Only embedded resources are served, so nothing on disk is reachable anyway; this keeps the lookup honest.
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex AssetPath =
        new("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*){0,3}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    internal static IResult Asset(string file)
    {
        if (file.Length > 120 || !AssetPath.IsMatch(file) || file.Contains("..", StringComparison.Ordinal))
        {
            return Results.NotFound();
        }

        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        var stream = type is null ? null : Self.GetManifestResourceStream("dashboard/" + file);
        if (stream is null)
        {
            return Results.NotFound();
        }

        return new AssetResult(stream, type!);
    }

    /// <summary>An embedded file with headers that keep the page self-contained (no inline script, no third-party origin).</summary>
    private sealed class AssetResult(Stream stream, string contentType) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            await using var _ = stream;
            var h = http.Response.Headers;
            h.CacheControl = "no-cache";
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            h.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            http.Response.ContentType = contentType;
            await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }

    private static async Task<Results<Ok<MetricsResponse>, ProblemHttpResult>> GetMetricsAsync(
        MetricsService metrics, IOptions<DashboardOptions> options, TimeProvider time, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        var today = LocalDay.Today(time, options.Value.Zone());
        var f = from ?? to ?? today;
        var t = to ?? (from is null ? today : f);
        if (t < f || t.DayNumber - f.DayNumber >= MaxMetricsDays)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad range",
                detail: $"from must not be after to, and the range is at most {MaxMetricsDays} days (dates as yyyy-MM-dd).");
        }

        return TypedResults.Ok(await metrics.ComputeAsync(f, t, ct));
    }

    private static async Task<Results<Ok<ConversationPage>, ProblemHttpResult>> ListConversationsAsync(
        ConversationService conversations, string? phone, bool? handoff, string? cursor, int? limit, int? messages, string? kind, string? state, CancellationToken ct)
    {
        if (kind is not (null or "all" or "chat"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad kind", detail: "kind is all (default) or chat (advisors who wrote more than taps).");
        }

        ConversationState? which = state switch
        {
            null or "" or "all" => ConversationState.All,
            "needs_reply" => ConversationState.NeedsReply,
            "handed_off" => ConversationState.HandedOff,
            _ => null,
        };
        if (which is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad state",
                detail: "state is all (default), needs_reply (the advisor wrote and nothing answered since) or handed_off (a person has the conversation).");
        }

        return TypedResults.Ok(await conversations.ListAsync(phone, handoff, cursor, Paging.Limit(limit, 20, ConversationService.MaxConversations),
            Paging.Limit(messages, ConversationService.DefaultMessages, ConversationService.MaxMessages, "messages"), ct, chatsOnly: kind == "chat", state: which.Value));
    }

    private static async Task<Ok<ConversationCounts>> CountConversationsAsync(ConversationService conversations, CancellationToken ct) =>
        TypedResults.Ok(await conversations.CountAsync(ct));

    private static async Task<Ok<ConversationMessages>> ListConversationMessagesAsync(
        ConversationService conversations, string phone, string? before, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await conversations.MessagesAsync(phone, before, Paging.Limit(limit, ConversationService.DefaultMessages, ConversationService.MaxMessages), ct));

    private static async Task<Ok<AdvisorTimeline>> GetTimelineAsync(TimelineService timelines, string phone, string? before, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await timelines.GetAsync(phone, before, Paging.Limit(limit, TimelineService.DefaultEntries, TimelineService.MaxEntries), ct));

    /// <summary>Streams the report: the first bytes leave after the first batch of advisors, and memory stays at one batch.</summary>
    private static IResult GetDailyReport(
        DailyReportService reports, IOptions<DashboardOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time,
        DateOnly? date, string? format)
    {
        if (format is not (null or "json" or "csv"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad format", detail: "format is csv or json.");
        }

        var zone = options.Value.Zone();
        var d = date ?? LocalDay.Today(time, zone);
        var batch = Math.Max(1, options.Value.ReportBatchSize);
        return new StreamedResult(format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8", (body, ct) => format == "csv"
            ? DailyReportService.WriteCsvAsync(body, d, reports.BatchesAsync(d, zone, ct, batch), ct)
            : DailyReportService.WriteJsonAsync(body, d, options.Value.TimeZone, reports.BatchesAsync(d, zone, ct, batch), json.Value.SerializerOptions, ct));
    }

    /// <summary>A body written as it is produced, not buffered first.</summary>
    private sealed class StreamedResult(string contentType, Func<Stream, CancellationToken, Task> write) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = contentType;
            http.Response.Headers.CacheControl = "no-store";
            return write(http.Response.Body, http.RequestAborted);
        }
    }

    private static async Task<Ok<DailyRunState>> GetDailyRunAsync(DailyRunStatus status, IOptions<DashboardOptions> options, TimeProvider time, DateOnly? date, CancellationToken ct)
    {
        var zone = options.Value.Zone();
        return TypedResults.Ok(await status.GetAsync(date ?? LocalDay.Today(time, zone), zone, ct));
    }

    public sealed record StatusResponse(
        long WebhookAccepted, IReadOnlyDictionary<string, long> WebhookRejected, double InboxLagSeconds, long InboxPending,
        IReadOnlyDictionary<string, long> OutboxDepth, int LiveClients, long LiveDropped, string TimeZone, DateOnly Today,
        bool Leading, long SentHere, long LiveLocalOnly, DateTime Now);

    private static Ok<StatusResponse> GetStatus(
        WebhookCounters webhooks, HubixMetrics metrics, LiveFeed feed, ReplicaLease lease, PostgresLiveRelay relay, DeliveryStats delivery,
        IOptions<DashboardOptions> options, TimeProvider time) =>
        TypedResults.Ok(new StatusResponse(
            webhooks.AcceptedCount, webhooks.RejectedCounts.ToDictionary(), metrics.InboxLagSeconds, metrics.InboxPending,
            metrics.OutboxDepth.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value), feed.ClientCount, feed.DroppedCount,
            options.Value.TimeZone, LocalDay.Today(time, options.Value.Zone()), lease.IsHeld,
            delivery.SendsByResult.GetValueOrDefault("accepted"), relay.LocalOnlyCount,
            // The server's clock, so the page counts the reply window down from it rather than from the browser's.
            time.GetUtcNow().UtcDateTime));
}

/// <summary>
/// When <see cref="DashboardOptions.WebSocketUrls"/> is set: a second, minimal web host in this process
/// that serves only <c>/ws</c> on those addresses, fed by the same <see cref="LiveFeed"/>.
/// </summary>
internal sealed class LiveFeedListener(IServiceProvider services, IOptions<DashboardOptions> options, ILogger<LiveFeedListener> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var urls = options.Value.WebSocketUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map("/ws", (HttpContext http) => LiveSocket.HandleAsync(http, services));
        await app.StartAsync(cancellationToken);
        _app = app;
        logger.LogInformation("Live feed also listening on {Urls}", string.Join(", ", app.Urls));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>The addresses it listens on (after start), for tests.</summary>
    public IReadOnlyCollection<string> Urls => _app?.Urls.ToList() ?? [];
}

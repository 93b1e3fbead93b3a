using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.Dashboard;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Time.Testing;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Dashboard;

public class DashboardApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static Task<HubixTestHost> StartAsync(TestDatabase db, FakeTimeProvider time, Action<WebApplicationBuilder>? configure = null, params string[] args) =>
        HubixTestHost.StartAsync(db, args, time, configure);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Metrics_for_the_seeded_day_match_the_known_answers(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(DashboardScenario.Now);
        await using var host = await StartAsync(database, time);
        await DashboardScenario.SeedAsync(host.Db);
        await MetricFolder.FoldAllAsync(host.Db, Ct); // the folder's second, without waiting for it (the clock is fake)

        var m = (await host.Admin.GetFromJsonAsync<MetricsResponse>("/api/webhook/metrics?from=2026-03-09&to=2026-03-10", Web, Ct))!;

        Assert.Equal("Asia/Kolkata", m.TimeZone);
        Assert.Equal(2, m.Days.Count);
        var before = m.Days[0];
        Assert.Equal(1, before.TemplateTotals.Queued);
        Assert.Equal(1, before.TemplateTotals.Delivered);
        Assert.Equal((0, 0, 1), (before.OptOuts, before.OptIns, before.Handoffs));
        Assert.Equal(new Dictionary<string, int> { [AgentIntents.MarketQuestion] = 1 }, before.AgentAnswersByIntent);

        var d = m.Days[1];
        Assert.Equal(DashboardScenario.Day, d.Date);
        var t = Assert.Single(d.Templates);
        Assert.Equal(DashboardScenario.Template, t.Name);
        Assert.Equal((4, 3, 3, 1, 1), (t.Messages.Queued, t.Messages.Sent, t.Messages.Delivered, t.Messages.Read, t.Messages.Failed));
        Assert.Equal(1, t.Messages.FailedByCode["131026"]);
        Assert.Equal((3, 2, 0.6667), (t.Taps, t.UniqueTappers, t.TapRate!.Value));
        Assert.Equal((3, 2, 0.6667), (d.Taps, d.UniqueTappers, d.TapRate!.Value));
        Assert.Equal((1, 1, 0, 0), (d.Packs.Delivered, d.Packs.Partial, d.Packs.Failed, d.Packs.InProgress));
        Assert.Equal((4, 3, 3, 0, 1), (d.Content.Queued, d.Content.Sent, d.Content.Delivered, d.Content.Read, d.Content.Failed));
        Assert.Equal(1, d.Content.FailedByCode["131056"]);
        Assert.Equal(0.7778, d.DeliverySuccessRate);
        // Histogram bucket upper bounds: 3 s → 4 s, 7 s → 7.5 s, 20 s → 30 s.
        Assert.Equal(new LatencyStats(2, 4, 7.5), d.TapToFirstContentAccepted);
        Assert.Equal(new LatencyStats(1, 30, 30), d.TapToPackDelivered);
        Assert.Equal((1, 2, 1, 1), (d.Chats, d.InboundMessages, d.AgentAnswers, d.Handoffs));
        Assert.Equal((2, 1), (d.OptOuts, d.OptIns));
        Assert.Equal(new Dictionary<string, int> { [AgentIntents.MarketQuestion] = 7, [AgentIntents.Faq] = 1, [AgentIntents.Unknown] = 1 }, d.AgentAnswersByIntent);

        Assert.Equal([131026, 131056], m.Failures.Select(f => f.Code!.Value).Order());
        var undeliverable = m.Failures.Single(f => f.Code == 131026);
        Assert.Equal("Message undeliverable", undeliverable.Title);
        Assert.Equal(["daily"], undeliverable.Purposes);

        // No range: today in the dashboard's zone (08:30 IST on D).
        var today = (await host.Admin.GetFromJsonAsync<MetricsResponse>("/api/webhook/metrics", Web, Ct))!;
        Assert.Equal(DashboardScenario.Day, Assert.Single(today.Days).Date);

        var bad = await host.Admin.GetAsync("/api/webhook/metrics?from=2026-03-10&to=2026-03-01", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Daily_report_csv_has_the_documented_columns_and_one_row_per_advisor()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));
        await DashboardScenario.SeedAsync(host.Db);

        var response = await host.Admin.GetAsync("/api/reports/daily?date=2026-03-10&format=csv", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', DailyReportService.CsvColumns), lines[0]);
        Assert.Equal(
            "date,phone,name,template,template_sent_at,template_delivered_at,template_read_at,template_error_code,tapped_at,pack_state,messages_sent,messages_delivered,messages_read,messages_failed,chats,outcome,reason," +
            "language,template_language,template_fallback,pack_language,pack_fallback",
            lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Equal("2026-03-10,919800000001,Asha,daily_pack_v2,2026-03-09T23:31:00Z,2026-03-09T23:31:00Z,2026-03-09T23:40:00Z,,2026-03-10T00:00:00Z,delivered,2,2,0,0,0,read,,en,,,,", lines[1]);
        Assert.EndsWith(",2026-03-10T01:00:00Z,partial,1,1,0,1,0,delivered,,en,,,,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",,,none,1,1,0,0,2,delivered,,en,,,,", lines[3], StringComparison.Ordinal);
        Assert.Contains(",131026,", lines[4], StringComparison.Ordinal);
        Assert.EndsWith(",failed,error_131026,en,,,,", lines[4], StringComparison.Ordinal);

        var json = (await host.Admin.GetFromJsonAsync<DailyReport>("/api/reports/daily?date=2026-03-10", Web, Ct))!;
        Assert.Equal(4, json.Rows.Count);
        Assert.Equal("partial", json.Rows.Single(r => r.Phone == DashboardScenario.A2).PackState);
    }

    [Fact]
    public async Task Conversations_page_newest_first_without_gaps_or_repeats()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));
        await using (var ctx = host.Db.CreateDbContext())
        {
            var at = new DateTime(2026, 3, 10, 1, 0, 0, DateTimeKind.Utc);
            // Seven threads; two pairs share their last time, so the tie-break on phone is exercised.
            int[] minutes = [1, 2, 2, 3, 4, 4, 5];
            for (var i = 0; i < minutes.Length; i++)
            {
                var phone = "91980000010" + i;
                // The inbox keeps these two (AdvisorInboxHandler); the list is ordered by them, not by the log.
                var last = at.AddMinutes(minutes[i]);
                ctx.Add(new Advisor { Phone = phone, Name = "N" + i, HandoffOpen = i == 3, CreatedAt = at, UpdatedAt = at, LastInboundAt = last, LastChatAt = last });
                DashboardScenario.Log(ctx, "in", "text", phone, at.AddMinutes(minutes[i] - 10), "c" + i + "a", text: "hello");
                DashboardScenario.Log(ctx, "in", "text", phone, at.AddMinutes(minutes[i]), "c" + i + "b", text: "latest " + i);
            }

            DashboardScenario.Out(ctx, "919800000100", "operator", at.AddMinutes(1).AddSeconds(30), OutboxState.Queued, null, text: "operator says hi");
            await ctx.SaveChangesAsync(Ct);
        }

        var seen = new List<ConversationDto>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = (await host.Admin.GetFromJsonAsync<ConversationPage>(
                "/api/webhook/conversations?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), Web, Ct))!;
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Select(c => c.Phone).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(c => c.LastAt).ThenByDescending(c => c.Phone, StringComparer.Ordinal).Select(c => c.Phone), seen.Select(c => c.Phone));

        var first = seen.Single(c => c.Phone == "919800000100");
        Assert.Equal(["in", "in", "out"], first.Messages.Select(m => m.Direction));
        Assert.Equal("operator says hi", first.Messages[^1].Text);
        Assert.Equal("operator", first.Messages[^1].Purpose);
        Assert.Equal(30_000, first.Messages[^1].LatencyMs);
        Assert.True(first.WindowOpen);

        var handoff = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?handoff=true", Web, Ct))!;
        Assert.Equal("919800000103", Assert.Single(handoff.Items).Phone);
        var one = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?phone=919800000105", Web, Ct))!;
        Assert.Equal("latest 5", Assert.Single(one.Items).Messages[^1].Text);

        await using (var ctx = host.Db.CreateDbContext())
        {
            var tapAt = new DateTime(2026, 3, 10, 2, 0, 0, DateTimeKind.Utc);
            ctx.Add(new Advisor { Phone = "919800000999", CreatedAt = tapAt, UpdatedAt = tapAt, LastInboundAt = tapAt });
            DashboardScenario.Log(ctx, "in", "button", "919800000999", tapAt, "tap-only", payload: "unlock");
            await ctx.SaveChangesAsync(Ct);
        }

        var all = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=100", Web, Ct))!;
        var chats = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?limit=100&kind=chat", Web, Ct))!;
        Assert.Equal("919800000999", all.Items[0].Phone);
        Assert.DoesNotContain(chats.Items, c => c.Phone == "919800000999");
        Assert.Equal(7, chats.Items.Count);

        var badCursor = await host.Admin.GetAsync("/api/webhook/conversations?cursor=not-ours", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
    }

    [Fact]
    public async Task Timeline_lists_templates_taps_messages_and_statuses_in_time_order()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));
        await DashboardScenario.SeedAsync(host.Db);

        var t = (await host.Admin.GetFromJsonAsync<AdvisorTimeline>($"/api/advisors/{DashboardScenario.A1}/timeline", Web, Ct))!;

        Assert.True(t.Known);
        Assert.Equal("Asha", t.Name);
        Assert.Equal(t.Entries.OrderBy(e => e.At).Select(e => e.At), t.Entries.Select(e => e.At));
        // The unlock's own entry sits with its tap; the rest in order:
        Assert.Equal(1, t.Entries.Count(e => e.Kind == "unlock"));
        var entries = t.Entries.Where(e => e.Kind != "unlock").ToList();
        Assert.Equal(["template", "template", "tap", "message_out", "message_out", "tap"], entries.Select(e => e.Kind));
        Assert.Equal("read", entries[1].State);
        Assert.Equal("delivered", entries[3].State);
    }

    [Fact]
    public async Task Operator_reply_inside_the_window_is_queued_and_outside_gets_409_with_the_reason()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(DashboardScenario.Now);
        await using var host = await StartAsync(database, time);
        var now = DashboardScenario.Now.UtcDateTime;
        await using (var ctx = host.Db.CreateDbContext())
        {
            ctx.Add(new Advisor { Phone = "919811111111", CreatedAt = now, UpdatedAt = now, LastInboundAt = now.AddHours(-23) });
            ctx.Add(new Advisor { Phone = "919822222222", CreatedAt = now, UpdatedAt = now, LastInboundAt = now.AddHours(-24).AddSeconds(-1) });
            ctx.Add(new Advisor { Phone = "919833333333", CreatedAt = now, UpdatedAt = now });
            ctx.Add(new Advisor { Phone = "919855555555", CreatedAt = now, UpdatedAt = now, LastInboundAt = now.AddHours(-1), Status = AdvisorStatus.OptedOut });
            await ctx.SaveChangesAsync(Ct);
        }

        var inside = await host.Admin.PostAsJsonAsync("/api/conversations/919811111111/reply", new { text = "Hello from the desk", idempotencyKey = "k1" }, Ct);
        var again = await host.Admin.PostAsJsonAsync("/api/conversations/919811111111/reply", new { text = "Hello from the desk", idempotencyKey = "k1" }, Ct);
        var outside = await host.Admin.PostAsJsonAsync("/api/conversations/919822222222/reply", new { text = "Too late" }, Ct);
        var never = await host.Admin.PostAsJsonAsync("/api/conversations/919833333333/reply", new { text = "Hi" }, Ct);
        var unknown = await host.Admin.PostAsJsonAsync("/api/conversations/919844444444/reply", new { text = "Hi" }, Ct);
        var empty = await host.Admin.PostAsJsonAsync("/api/conversations/919811111111/reply", new { text = " " }, Ct);
        var optedOut = await host.Admin.PostAsJsonAsync("/api/conversations/919855555555/reply", new { text = "Are you there?" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);
        var reply = (await inside.Content.ReadFromJsonAsync<Hubix.Advisors.ConversationEndpoints.ReplyResponse>(Web, Ct))!;
        Assert.Equal(now.AddHours(1), reply.ExpiresAt);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(reply.OutboxId, (await again.Content.ReadFromJsonAsync<Hubix.Advisors.ConversationEndpoints.ReplyResponse>(Web, Ct))!.OutboxId);
        Assert.Equal(HttpStatusCode.Conflict, outside.StatusCode);
        Assert.Contains("window closed", await outside.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Conflict, never.StatusCode);
        Assert.Contains("never written", await never.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, optedOut.StatusCode); // inside the window, but they said STOP
        Assert.Contains("opted out", await optedOut.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        await using var check = host.Db.CreateDbContext();
        var row = await check.Set<OutboxMessage>().SingleAsync(Ct);
        Assert.Equal(("operator", "919811111111", OutboxState.Queued, now.AddHours(1)), (row.Purpose, row.Recipient, row.State, row.ExpiresAt!.Value));
        Assert.Contains("Hello from the desk", row.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handoff_close_clears_the_flag_and_resend_is_404_until_the_unlock_feature_is_wired()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));
        await DashboardScenario.SeedAsync(host.Db);

        var close = await host.Admin.PostAsync($"/api/conversations/{DashboardScenario.A3}/handoff/close", null, Ct);
        var missing = await host.Admin.PostAsync("/api/conversations/910000000000/handoff/close", null, Ct);
        var resend = await host.Admin.PostAsync("/api/unlocks/999/resend", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, close.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, resend.StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        Assert.False((await ctx.Set<Advisor>().SingleAsync(a => a.Phone == DashboardScenario.A3, Ct)).HandoffOpen);
    }

    [Fact]
    public async Task Every_api_route_the_metrics_and_the_feed_refuse_a_request_without_the_key()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        // Two wrong keys a route: more than the default failure limit allows one address.
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now), null, "--Hubix:Auth:MaxFailures=10000");

        // Everything under /api but signing in and out, which are for people who are not signed in yet.
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api", StringComparison.Ordinal)
                && e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, e.RoutePattern)))
            .ToList();
        Assert.True(routes.Count >= 11, "found " + routes.Count + " /api routes");
        Assert.Contains(routes, r => r.RoutePattern.RawText == "/api/webhook/metrics");

        foreach (var (method, pattern) in routes)
        {
            var path = string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { Name: "id" } => "1",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "919800000001",
                _ => "",
            }))));
            var request = new HttpRequestMessage(new HttpMethod(method), "/" + path);
            if (method == "POST")
            {
                request.Content = JsonContent.Create(new { text = "x" });
            }

            var response = await host.Client.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} /{path} answered {(int)response.StatusCode} without a key");
            var wrong = new HttpRequestMessage(new HttpMethod(method), "/" + path);
            wrong.Headers.Authorization = new("Bearer", "not-the-key");
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(wrong, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/", Ct)).StatusCode);
        // The long-lived key in the URL is no longer accepted (proxies log URLs); nor is a ticket the server did not issue.
        foreach (var query in new[] { "ws?access_token=" + HubixTestHost.AdminKey, "ws?ticket=0123456789abcdef" })
        {
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            var ex = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() =>
                socket.ConnectAsync(new Uri(host.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal) + query), Ct));
            Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_endpoint_exports_the_hubix_meter_behind_the_key_or_publicly_when_configured()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));
        await host.PostWebhookAsync(Fixtures.Read("inbound-text.json"));

        var text = await host.Admin.GetStringAsync("/metrics", Ct);

        // Values are not asserted: OpenTelemetry listens to every meter named "Hubix" in the process, and
        // tests run several hosts in one process. In production there is one host per process.
        Assert.Contains("hubix_webhook_requests_total{", text, StringComparison.Ordinal);
        Assert.Contains("hubix_inbox_lag_seconds", text, StringComparison.Ordinal);
        Assert.Contains("hubix_live_clients", text, StringComparison.Ordinal);

        await using var database2 = await TestDatabase.CreateAsync("Sqlite");
        await using var open = await StartAsync(database2, new FakeTimeProvider(DashboardScenario.Now), null, "--Hubix:Dashboard:PublicMetrics=true");
        Assert.Equal(HttpStatusCode.OK, (await open.Client.GetAsync("/metrics", Ct)).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_dashboard_routes()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(DashboardScenario.Now));

        var doc = await host.Client.GetStringAsync("/openapi/v1.json", Ct);

        foreach (var path in new[] { "/api/webhook/metrics", "/api/webhook/conversations", "/api/advisors/{phone}/timeline", "/api/reports/daily",
                     "/api/conversations/{phone}/reply", "/api/conversations/{phone}/handoff/close", "/api/unlocks/{id}/resend" })
        {
            Assert.Contains("\"" + path + "\"", doc, StringComparison.Ordinal);
        }
    }
}

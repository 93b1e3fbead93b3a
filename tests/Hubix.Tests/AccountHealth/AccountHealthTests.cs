using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hubix.AccountHealth;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.AccountHealth;

/// <summary>A loopback receiver for <c>Hubix:Alerts:WebhookUrl</c> that keeps every JSON body it gets.</summary>
public sealed class AlertReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AlertReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<JsonObject> Bodies { get; } = new();

    public IEnumerable<string?> Kinds => Bodies.Select(b => b["kind"]?.GetValue<string>());

    public static async Task<AlertReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        AlertReceiver? receiver = null;
        app.MapPost("/alerts", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            receiver!.Bodies.Enqueue((JsonObject)body!);
            return Results.Ok();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new AlertReceiver(app, address + "/alerts");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>Template status and category webhooks stop the daily run at once; quality and account updates are recorded and shown.</summary>
public class AccountHealthTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private static Task<DailyRunResult> SendToAsync(HubixTestHost host, string phone) =>
        host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("cli", Day, phone, Force: true), Ct);

    private static async Task<SandboxPair> StartPairAsync(TestDatabase database, AlertReceiver alerts)
    {
        var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false", $"--Hubix:Alerts:WebhookUrl={alerts.Url}"]);
        await AddAdvisorsAsync(pair.Hubix, ("919800000001", "Priya", "Asia/Kolkata"), ("919800000002", "Ravi", "Asia/Kolkata"), ("919800000003", "Anil", "Asia/Kolkata"));
        await ImportPackAsync(pair.Hubix, "2026-11-24");
        return pair;
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Paused_template_webhook_stops_the_daily_run_at_once_and_approved_resumes_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var alerts = await AlertReceiver.StartAsync();
        await using var pair = await StartPairAsync(database, alerts);
        var host = pair.Hubix;

        Assert.Equal(1, (await SendToAsync(host, "919800000001")).Enqueued); // the template list is read and cached now

        await PostAsync(host, Fixtures.Read("account-health/template-status-paused.json"));
        var stopped = await SendToAsync(host, "919800000002");
        Assert.Equal(0, stopped.Enqueued);
        Assert.Equal(1, stopped.Reasons["template_paused"]);
        Assert.Contains("PAUSED", stopped.Note, StringComparison.Ordinal);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(alerts.Kinds.Contains("template_paused") && alerts.Kinds.Contains("daily_run_stopped")), "the alerts");
        var alert = alerts.Bodies.First(b => b["kind"]!.GetValue<string>() == "template_paused");
        Assert.Contains("daily_content_ready_v1", alert["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("critical", alert["severity"]!.GetValue<string>());

        var health = await host.Admin.GetFromJsonAsync<JsonObject>("/api/account/health", Ct);
        var banners = health!["health"]!["banners"]!.AsArray().Select(b => b!["kind"]!.GetValue<string>()).ToList();
        Assert.Contains("template_paused", banners);

        await PostAsync(host, Fixtures.Read("account-health/template-status-approved.json"));
        Assert.Equal(1, (await SendToAsync(host, "919800000002")).Enqueued);
    }

    [Fact]
    public async Task Recategorised_template_is_not_sent_until_an_operator_confirms_the_category()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var alerts = await AlertReceiver.StartAsync();
        await using var pair = await StartPairAsync(database, alerts);
        var host = pair.Hubix;

        await PostAsync(host, Fixtures.Read("account-health/template-category-marketing.json"));
        var stopped = await SendToAsync(host, "919800000001");
        Assert.Equal(0, stopped.Enqueued);
        Assert.Equal(1, stopped.Reasons["template_recategorised"]);
        Assert.Contains("MARKETING", stopped.Note, StringComparison.Ordinal);
        Assert.Contains("confirm-category", stopped.Note, StringComparison.Ordinal);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(alerts.Kinds.Contains("template_recategorised")), "the recategorisation alert");
        await using (var ctx = host.Db.CreateDbContext())
        {
            var run = await ctx.Set<DailyRun>().OrderByDescending(r => r.Id).FirstAsync(Ct);
            Assert.Contains("template_recategorised", run.Reasons, StringComparison.Ordinal); // the reason is recorded
        }

        var bad = await host.Admin.PostAsJsonAsync("/api/account/templates/daily_content_ready_v1/en/confirm-category", new { category = "PROMO" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(0, (await SendToAsync(host, "919800000001")).Enqueued);

        var ok = await host.Admin.PostAsJsonAsync("/api/account/templates/daily_content_ready_v1/en/confirm-category", new { category = "MARKETING" }, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(1, (await SendToAsync(host, "919800000001")).Enqueued);
        var health = await host.Admin.GetFromJsonAsync<JsonObject>("/api/account/health", Ct);
        Assert.DoesNotContain(health!["health"]!["banners"]!.AsArray(), b => b!["kind"]!.GetValue<string>() == "template_recategorised");
    }

    [Fact]
    public async Task Quality_and_account_updates_are_recorded_and_shown_and_an_unknown_shape_is_dead_lettered()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Schedule:Enabled=false"]);

        foreach (var name in new[] { "template-quality-yellow", "phone-number-quality-update-tier-50", "account-update-restriction", "template-category-impending" })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync(Fixtures.Read($"account-health/{name}.json"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync(Fixtures.Read("account-health/template-category-unknown-shape.json"))).StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => !await ctx.Set<InboxEvent>().AnyAsync(e => e.State == InboxState.Pending, Ct), "the inbox to be processed");

        var dead = await ctx.Set<DeadLetter>().SingleAsync(Ct);
        Assert.Contains("template_category_update: unrecognised shape", dead.Reason, StringComparison.Ordinal);
        Assert.Contains("\"category\":\"MARKETING\"", System.Text.Encoding.UTF8.GetString(dead.Body), StringComparison.Ordinal);

        var events = await ctx.Set<AccountEvent>().OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Equal(["message_template_quality_update", "phone_number_quality_update", "account_update", "template_category_update"], events.Select(e => e.Field));
        Assert.Equal(50, events[1].MessagingLimit);

        var health = await host.Admin.GetFromJsonAsync<JsonObject>("/api/account/health", Ct);
        var view = health!["health"]!;
        var kinds = view["banners"]!.AsArray().Select(b => b!["kind"]!.GetValue<string>()).ToList();
        Assert.Contains("template_quality", kinds);
        Assert.Contains("phone_quality", kinds);
        Assert.Contains("account_update", kinds);
        Assert.Contains("template_category_pending", kinds);
        Assert.Equal(50, view["phoneNumber"]!["messagingLimit"]!.GetValue<int>());
        var template = view["templates"]!.AsArray().Single()!;
        Assert.Equal("YELLOW", template["quality"]!.GetValue<string>());
        Assert.Equal("MARKETING", template["pendingCategory"]!.GetValue<string>());
        Assert.Null(template["category"]); // impending only: the category has not changed yet
    }

    [Theory]
    [InlineData("TIER_250", 250)]
    [InlineData("TIER_2K", 2000)]
    [InlineData("TIER_10K", 10000)]
    [InlineData("TIER_100K", 100000)]
    [InlineData("TIER_UNLIMITED", -1)]
    [InlineData("TIER_NOT_SET", null)]
    [InlineData(null, null)]
    public void Messaging_limit_tiers_read_as_numbers(string? tier, int? expected) => Assert.Equal(expected, AccountUpdates.LimitOf(tier));
}

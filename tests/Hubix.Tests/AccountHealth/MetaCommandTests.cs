using System.Net;
using System.Net.Http.Json;
using Hubix.AccountHealth;
using Hubix.Cli;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.AccountHealth;

/// <summary><c>hubix meta check|subscribe</c> and <c>hubix templates</c> against the sandbox, and the sandbox's account control routes.</summary>
public class MetaCommandTests
{
    private static string[] CliArgs(TestDatabase database, SandboxPair pair, AlertReceiver alerts) =>
    [
        .. database.HostArgs,
        $"--Hubix:WhatsApp:AppSecret={HubixTestHost.AppSecret}",
        $"--Hubix:WhatsApp:VerifyToken={HubixTestHost.VerifyToken}",
        $"--Hubix:WhatsApp:AccessToken={HubixTestHost.AccessToken}",
        $"--Hubix:WhatsApp:PhoneNumberId={HubixTestHost.PhoneNumberId}",
        $"--Hubix:WhatsApp:BusinessAccountId={SandboxPair.WabaId}",
        $"--Hubix:WhatsApp:GraphBaseUrl={pair.SandboxClient.BaseAddress!.ToString().TrimEnd('/')}",
        $"--Hubix:Alerts:WebhookUrl={alerts.Url}",
        "--Hubix:Agent:EmbeddingModelEnabled=false",
        "--Logging:LogLevel:Default=Warning",
    ];

    private static async Task<HttpResponseMessage> ControlAsync(SandboxPair pair, string path, object body, bool header = true)
    {
        // The pair's client sends the control header by default; a plain client shows what a request without it gets.
        using var plain = new HttpClient { BaseAddress = pair.SandboxClient.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (header)
        {
            request.Headers.Add("X-Sandbox-Control", "1");
        }

        return await plain.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Meta_check_passes_and_after_a_recategorisation_to_marketing_send_daily_sends_nothing_and_check_fails_naming_the_category()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var alerts = await AlertReceiver.StartAsync();
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false", $"--Hubix:Alerts:WebhookUrl={alerts.Url}"]);
        await AddAdvisorsAsync(pair.Hubix, ("919800000001", "Priya", "Asia/Kolkata"));
        await ImportPackAsync(pair.Hubix, "2026-11-24");
        var args = CliArgs(database, pair, alerts);

        var before = await MetaCheck.RunAsync(pair.Hubix.Services, null, Ct);
        Assert.Contains(before, l => !l.Ok && l.What == "subscribed apps"); // not subscribed yet: the check can fail
        Assert.Equal(1, await HubixCli.RunAsync(["meta", "check", .. args]));

        Assert.Equal(0, await HubixCli.RunAsync(["meta", "subscribe", .. args]));
        var lines = await MetaCheck.RunAsync(pair.Hubix.Services, null, Ct);
        Assert.All(lines, l => Assert.True(l.Ok, l.ToString()));
        Assert.Contains(lines, l => l.What == "messaging limit" && l.Detail.StartsWith("TIER_2K", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.What.EndsWith("category", StringComparison.Ordinal) && l.Detail == "UTILITY");
        Assert.Equal(0, await HubixCli.RunAsync(["meta", "check", .. args]));

        // Meta recategorises the daily template (the sandbox's control route; it sends the signed webhook too).
        Assert.Equal(HttpStatusCode.Forbidden, (await ControlAsync(pair, "/_sandbox/account/templates/daily_content_ready_v1/en/category", new { category = "MARKETING" }, header: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ControlAsync(pair, "/_sandbox/account/templates/daily_content_ready_v1/en/category", new { category = "MARKETING" })).StatusCode);

        Assert.Equal(0, await HubixCli.RunAsync(["send-daily", "--date", "2026-11-24", .. args]));
        await using (var ctx = pair.Hubix.Db.CreateDbContext())
        {
            var run = await ctx.Set<DailyRun>().OrderByDescending(r => r.Id).FirstAsync(Ct);
            Assert.Equal(0, run.Enqueued);
            Assert.Contains("template_recategorised", run.Reasons, StringComparison.Ordinal);
            Assert.Contains("MARKETING", run.Note, StringComparison.Ordinal);
            Assert.Equal(0, await ctx.Set<Hubix.Delivery.OutboxMessage>().CountAsync(Ct));
        }

        await HubixTestHost.EventuallyAsync(() => Task.FromResult(alerts.Kinds.Contains("daily_run_stopped") && alerts.Kinds.Contains("template_recategorised")),
            "the alerts: the run stopped (send-daily) and the recategorisation (the server, from the webhook)");

        var after = await MetaCheck.RunAsync(pair.Hubix.Services, null, Ct);
        var category = Assert.Single(after, l => !l.Ok);
        Assert.EndsWith("category", category.What, StringComparison.Ordinal);
        Assert.Contains("MARKETING", category.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await HubixCli.RunAsync(["meta", "check", .. args]));
    }

    [Fact]
    public async Task Templates_create_makes_the_daily_template_that_meta_check_accepts()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var alerts = await AlertReceiver.StartAsync();
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false"]);
        string[] args = [.. CliArgs(database, pair, alerts), "--Hubix:Templates:Daily:Name=daily_pack_v2", "--Hubix:Templates:Daily:Buttons:0=UNLOCK_IMAGES", "--Hubix:Templates:Daily:Buttons:1=UNLOCK_CONTENT"];

        Assert.Equal(0, await HubixCli.RunAsync(["templates", "create", .. args]));
        Assert.Equal(0, await HubixCli.RunAsync(["templates", "list", .. args]));
        var list = await pair.Hubix.Services.GetRequiredService<Hubix.WhatsApp.Client.WhatsAppCloudClient>().ListTemplatesAsync(Ct);
        var created = Assert.Single(list.Value!, t => t.Name == "daily_pack_v2");
        Assert.Equal("UTILITY", created.Category);
        Assert.Equal(3, created.BodyParameterCount);
        Assert.Equal(2, created.QuickReplyCount);

        Assert.Equal(0, await HubixCli.RunAsync(["meta", "subscribe", .. args]));
        Assert.Equal(0, await HubixCli.RunAsync(["meta", "check", .. args]));
        // The template's status webhook reached the server and is recorded.
        await using var ctx = pair.Hubix.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<TemplateHealth>().AnyAsync(t => t.Name == "daily_pack_v2" && t.Status == "APPROVED", Ct), "the APPROVED webhook");
    }

    [Fact]
    public async Task Sandbox_phone_number_control_changes_quality_and_limit_and_hubix_takes_the_limit_from_the_webhook()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false"]);

        Assert.Equal(HttpStatusCode.Forbidden, (await ControlAsync(pair, "/_sandbox/account/phone-number", new { quality = "YELLOW" }, header: false)).StatusCode);
        var set = await ControlAsync(pair, "/_sandbox/account/phone-number", new { quality = "YELLOW", messagingLimit = "TIER_250", @event = "DOWNGRADE" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        var phone = await pair.Hubix.Services.GetRequiredService<Hubix.WhatsApp.Client.WhatsAppCloudClient>().GetPhoneNumberAsync(Ct);
        Assert.Equal("YELLOW", phone.Value!.QualityRating);
        Assert.Equal("TIER_250", phone.Value.MessagingLimitTier);

        await using var ctx = pair.Hubix.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<AccountEvent>().AnyAsync(e => e.Field == "phone_number_quality_update", Ct), "the phone number webhook");
        var (limit, source) = await pair.Hubix.Services.GetRequiredService<MessagingLimiter>().LimitAsync(Ct);
        Assert.Equal(250, limit);
        Assert.Contains("webhook", source, StringComparison.Ordinal);

        // A paused template: the sandbox refuses sends with 132015 as Meta does.
        Assert.Equal(HttpStatusCode.OK, (await ControlAsync(pair, "/_sandbox/account/templates/daily_content_ready_v1/en/status", new { status = "PAUSED" })).StatusCode);
        var sent = await pair.Hubix.Services.GetRequiredService<Hubix.WhatsApp.Client.WhatsAppCloudClient>().SendAsync(
            Hubix.WhatsApp.Messages.OutboundMessage.Template("919800000009", "daily_content_ready_v1", "en", ["a", "b", "c"], ["RETRIEVE_CONTENT:x"]), null, Ct);
        Assert.Equal(132015, sent.Error!.Code);
        Assert.Equal(Hubix.WhatsApp.Client.ErrorClass.TemplateUnavailable, sent.Error.Class);
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<TemplateHealth>().AnyAsync(t => t.Status == "PAUSED", Ct), "the PAUSED webhook");
    }
}

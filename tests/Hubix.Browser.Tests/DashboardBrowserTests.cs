using System.Globalization;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace Hubix.Browser.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).
/// Skipped when chromium is not installed; ./test.sh installs it.
/// </summary>
public class DashboardBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Chromium()
    {
        var path = Environment.GetEnvironmentVariable("HUBIX_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(path))
        {
            path = "/usr/bin/chromium";
        }

        return File.Exists(path) ? path : null;
    }

    [Fact]
    public async Task Operator_signs_in_sees_a_tap_arrive_live_and_replies_inside_the_window()
    {
        var chromium = Chromium();
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed (apt-get install chromium); set HUBIX_TEST_CHROMIUM to use another path.");
        }

        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(DemoData.Now);
        await using var host = await HubixTestHost.StartAsync(database, time: time);
        await DemoData.SeedAsync(host.Db, Ct);
        await Hubix.Dashboard.MetricFolder.FoldAllAsync(host.Db, Ct); // the seeded rows, counted (the folder's clock is fake)

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 }, TimezoneId = "Asia/Kolkata", Locale = "en-GB" });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        // Sign in with name and password: the session is an HttpOnly cookie the page's script cannot read.
        await host.Services.GetRequiredService<UserService>().AddAsync("priya", Roles.Operator, Password, "test", Ct);
        await page.GotoAsync(host.BaseAddress.ToString());
        await SignInAsync(page, "priya", "wrong-password-123");
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("not accepted");
        await SignInAsync(page, "priya", Password);
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        Assert.DoesNotContain(Password, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(OperatorsFeature.CookieName, await page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => sessionStorage.length"));

        // The funnel shows today's seeded figures, and the live feed is connected.
        await Assertions.Expect(page.Locator("#funnel-sent")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("live");
        var tapsBefore = int.Parse(await page.Locator("#funnel-tapped").TextContentAsync() ?? "0", CultureInfo.InvariantCulture);
        await Assertions.Expect(page.Locator("#failures tbody tr").First).ToBeVisibleAsync();

        // A tap arrives: advisor 3 taps today's template (a signed quick-reply webhook, as Meta sends it).
        var tapper = DemoData.Phone(3);
        var tapAt = DemoData.Now.AddMinutes(-2);
        var tap = await host.PostWebhookAsync(Webhook(tapper, "wamid.browser.tap", tapAt,
            "\"type\":\"button\",\"button\":{\"payload\":\"unlock\",\"text\":\"Get today's content\"},\"context\":{\"from\":\"15550783881\",\"id\":\"" + DemoData.TemplateWamid(0, 3) + "\"}"));
        Assert.True(tap.IsSuccessStatusCode);
        await Assertions.Expect(page.Locator("#events li[data-type=tap]").First).ToContainTextAsync(tapper, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#funnel-tapped")).ToHaveTextAsync((tapsBefore + 1).ToString(CultureInfo.InvariantCulture), new() { Timeout = 15_000 });

        // An inbound text opens the window; the operator replies from the conversation and it is queued.
        var writer = DemoData.Phone(8);
        var text = await host.PostWebhookAsync(Webhook(writer, "wamid.browser.text", DemoData.Now.AddMinutes(-1),
            "\"type\":\"text\",\"text\":{\"body\":\"Can someone call me about <b>today's</b> note?\"}"));
        Assert.True(text.IsSuccessStatusCode);
        var conversation = page.Locator($".conversation[data-phone='{writer}']");
        await Assertions.Expect(conversation).ToBeVisibleAsync(new() { Timeout = 15_000 });
        // User text is text: the markup arrives as characters, not as an element.
        await Assertions.Expect(conversation.Locator(".messages li").Filter(new() { HasText = "<b>today's</b>" })).ToHaveCountAsync(1);
        Assert.Equal(0, await conversation.Locator(".messages b").CountAsync());
        await conversation.Locator("textarea").FillAsync("Hi, this is Priya from the desk. Calling you in 5 minutes.");
        await conversation.Locator("button[type=submit]").ClickAsync();
        // The reply shows in the conversation (the assistant may have answered too: same fake clock, any order).
        await Assertions.Expect(page.Locator($".conversation[data-phone='{writer}'] .messages li.out").Filter(new() { HasText = "Calling you in 5 minutes" }))
            .ToHaveCountAsync(1, new() { Timeout = 15_000 });

        await using (var ctx = host.Db.CreateDbContext())
        {
            var reply = await ctx.Set<OutboxMessage>().SingleAsync(o => o.Purpose == "operator", Ct);
            Assert.Equal(writer, reply.Recipient);
            Assert.Equal(DemoData.Now.UtcDateTime.AddMinutes(-1).AddHours(24), reply.ExpiresAt);
        }

        // The handoff filter shows the conversation a person is handling.
        await page.Locator("#conv-handoff").CheckAsync();
        var handoff = page.Locator(".conversation").First;
        await Assertions.Expect(handoff.Locator(".handoff")).ToBeVisibleAsync();

        await page.Locator("#conv-handoff").UncheckAsync();
        await page.Locator("#advisor-phone").FillAsync(tapper);
        await page.Locator("#advisor-form button").ClickAsync();
        // The tap is on the advisor's timeline (beside whatever Hubix answered to it).
        await Assertions.Expect(page.Locator("#timeline tbody tr").Filter(new() { HasText = "tap" }).First).ToBeVisibleAsync();

        // Meta pauses the daily template: the banner says so at once (the account_health live event), as text.
        await Assertions.Expect(page.Locator("#health-banner")).ToBeHiddenAsync();
        var paused = await host.PostWebhookAsync("""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1764030000,"changes":[{"field":"message_template_status_update",
             "value":{"event":"PAUSED","message_template_id":594425479261596,"message_template_name":"daily_content_ready_v1","message_template_language":"en","reason":"NONE"}}]}]}
            """);
        Assert.True(paused.IsSuccessStatusCode);
        await Assertions.Expect(page.Locator("#health-banner p.critical")).ToContainTextAsync("daily_content_ready_v1 (en) is PAUSED", new() { Timeout = 15_000 });

        Assert.Empty(errors);
        var shot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.Locator("#advisor-phone").FillAsync("");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        if (Environment.GetEnvironmentVariable("HUBIX_UPDATE_SCREENSHOT") == "1")
        {
            File.Copy(shot, Path.Combine(RepoRoot(), "docs", "dashboard.png"), overwrite: true);
        }
    }

    private const string Password = "browser-test-password";

    private static async Task SignInAsync(IPage page, string name, string password)
    {
        await page.Locator("#signin-name").FillAsync(name);
        await page.Locator("#signin-password").FillAsync(password);
        await page.Locator("#signin-submit").ClickAsync();
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium) =>
        await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });

    [Fact]
    public async Task A_viewer_cannot_reply_an_operator_replies_and_the_audit_view_shows_who()
    {
        var chromium = Chromium();
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed (apt-get install chromium); set HUBIX_TEST_CHROMIUM to use another path.");
        }

        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(DemoData.Now);
        await using var host = await HubixTestHost.StartAsync(database, time: time);
        await DemoData.SeedAsync(host.Db, Ct);
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync("victor", Roles.Viewer, Password, "test", Ct);
        await users.AddAsync("olga", Roles.Operator, Password, "test", Ct);
        await users.AddAsync("ada", Roles.Admin, Password, "test", Ct);
        var writer = DemoData.Phone(8);
        Assert.True((await host.PostWebhookAsync(Webhook(writer, "wamid.browser.roles", DemoData.Now.AddMinutes(-1),
            "\"type\":\"text\",\"text\":{\"body\":\"Please call me\"}"))).IsSuccessStatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();

        // The viewer sees the conversation but no reply control, and the API refuses the reply with their session.
        var viewer = await (await browser.NewContextAsync(new() { TimezoneId = "Asia/Kolkata", Locale = "en-GB" })).NewPageAsync();
        viewer.PageError += (_, e) => errors.Add(e);
        await viewer.GotoAsync(host.BaseAddress.ToString());
        await SignInAsync(viewer, "victor", Password);
        await Assertions.Expect(viewer.Locator("#whoami")).ToContainTextAsync("viewer");
        var seen = viewer.Locator($".conversation[data-phone='{writer}']");
        await Assertions.Expect(seen).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal(0, await seen.Locator("form.reply").CountAsync());
        Assert.Equal(0, await seen.Locator("textarea").CountAsync());
        await Assertions.Expect(viewer.Locator("#audit-card")).ToBeHiddenAsync();
        var status = await viewer.EvaluateAsync<int>(
            "async (phone) => (await fetch('/api/conversations/' + phone + '/reply', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'sneaky' }) })).status",
            writer);
        Assert.Equal(403, status);

        // The operator replies from the dashboard.
        var op = await (await browser.NewContextAsync(new() { TimezoneId = "Asia/Kolkata", Locale = "en-GB" })).NewPageAsync();
        op.PageError += (_, e) => errors.Add(e);
        await op.GotoAsync(host.BaseAddress.ToString());
        await SignInAsync(op, "olga", Password);
        var conversation = op.Locator($".conversation[data-phone='{writer}']");
        await Assertions.Expect(conversation).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await conversation.Locator("textarea").FillAsync("Olga here, calling you now.");
        await conversation.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(conversation.Locator(".reason")).ToContainTextAsync("Queued", new() { Timeout = 15_000 });

        // The admin's audit view shows the reply under the operator's name.
        var admin = await (await browser.NewContextAsync(new() { TimezoneId = "Asia/Kolkata", Locale = "en-GB" })).NewPageAsync();
        admin.PageError += (_, e) => errors.Add(e);
        await admin.GotoAsync(host.BaseAddress.ToString());
        await SignInAsync(admin, "ada", Password);
        var row = admin.Locator("#audit tbody tr[data-action='conversation.reply']");
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(row.Locator(".actor")).ToHaveTextAsync("olga");
        await Assertions.Expect(row).ToContainTextAsync(writer);
        await Assertions.Expect(row).ToContainTextAsync("Olga here, calling you now.");
        Assert.Empty(errors);
    }

    private static string Webhook(string from, string wamid, DateTimeOffset at, string message) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
        "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"" + HubixTestHost.PhoneNumberId + "\"}," +
        "\"contacts\":[{\"profile\":{\"name\":\"Advisor\"},\"wa_id\":\"" + from + "\"}]," +
        "\"messages\":[{\"from\":\"" + from + "\",\"id\":\"" + wamid + "\",\"timestamp\":\"" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\"," + message + "}]}}]}]}";

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hubix.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Hubix.slnx not found above " + AppContext.BaseDirectory);
    }
}

using System.Globalization;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Hubix.Browser.Tests.BrowserKit;

namespace Hubix.Browser.Tests;

/// <summary>
/// The operators' web app in a real browser: Debian's chromium driven by Playwright (never a downloaded browser), on
/// fourteen seeded days (<see cref="DemoData"/>). Skipped when chromium is not installed; ./test.sh installs it.
/// </summary>
public class DashboardBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operator_signs_in_sees_a_tap_arrive_live_and_replies_from_the_inbox_opened_by_deep_link()
    {
        var chromium = RequireChromium();
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(DemoData.Now);
        await using var host = await HubixTestHost.StartAsync(database, time: time);
        await DemoData.SeedAsync(host.Db, Ct);
        await Hubix.Dashboard.MetricFolder.FoldAllAsync(host.Db, Ct); // the seeded rows, counted (the folder's clock is fake)
        await host.Services.GetRequiredService<UserService>().AddAsync("priya", Roles.Operator, Password, "test", Ct);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();
        var page = await PageAsync(browser, errors);
        var csp = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) { csp.Add(m.Text); } };

        // Sign in with name and password: the session is an HttpOnly cookie the page's script cannot read.
        await page.GotoAsync(host.BaseAddress.ToString());
        await SignInAsync(page, "priya", "wrong-password-123");
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("not accepted");
        await SignInAsync(page, "priya");
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        Assert.DoesNotContain(Password, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(OperatorsFeature.CookieName, await page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => sessionStorage.length"));

        // Overview (the default view): today's seeded funnel, failures, the live feed connected; operators see no admin pages.
        await Assertions.Expect(page.Locator("#nav a[aria-current=page]")).ToHaveTextAsync("Overview");
        await Assertions.Expect(page.Locator("#funnel-sent")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("#failures tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#nav a[data-view=users]")).ToBeHiddenAsync();
        var tapsBefore = int.Parse(await page.Locator("#funnel-tapped").TextContentAsync() ?? "0", CultureInfo.InvariantCulture);

        // The 14-day chart is the vendored uPlot, under the strict CSP: a canvas, and its cursor legend shows the hovered
        // day's figures (the last day is today, so its "Templates sent" is the funnel's).
        await Assertions.Expect(page.Locator("#chart canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#chart")).ToHaveAttributeAsync("data-days", "14");
        var over = await page.Locator("#chart .u-over").BoundingBoxAsync();
        Assert.NotNull(over);
        await page.Mouse.MoveAsync(over.X + over.Width - 1, over.Y + over.Height / 2);
        var legend = page.Locator("#chart .u-legend .u-series").Filter(new() { HasText = "Templates sent" }).Locator(".u-value");
        await Assertions.Expect(legend).ToHaveTextAsync(await page.Locator("#funnel-sent").TextContentAsync() ?? "?");
        await Assertions.Expect(page.Locator("#chart .u-legend .u-series").First.Locator(".u-value"))
            .ToHaveTextAsync(DemoData.Now.ToString("d MMM", CultureInfo.InvariantCulture));

        // A tap arrives: advisor 3 taps today's template (a signed quick-reply webhook, as Meta sends it); the view updates in place.
        var tapper = DemoData.Phone(3);
        var tap = await host.PostWebhookAsync(Webhook(tapper, "wamid.browser.tap", DemoData.Now.AddMinutes(-2),
            "\"type\":\"button\",\"button\":{\"payload\":\"unlock\",\"text\":\"Get today's content\"},\"context\":{\"from\":\"15550783881\",\"id\":\"" + DemoData.TemplateWamid(0, 3) + "\"}"));
        Assert.True(tap.IsSuccessStatusCode);
        await Assertions.Expect(page.Locator("#events li[data-type=tap]").First).ToContainTextAsync(tapper);
        await Assertions.Expect(page.Locator("#funnel-tapped")).ToHaveTextAsync((tapsBefore + 1).ToString(CultureInfo.InvariantCulture));
        await ScreenshotAsync(page, "overview");
        Assert.Empty(csp);

        // The day's report downloads from the overview as CSV, one row per advisor, with the tap just made.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#report-csv").ClickAsync());
        var day = DemoData.Now.ToOffset(TimeSpan.FromHours(5.5)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal($"hubix-daily-report-{day}.csv", download.SuggestedFilename);
        var csv = await File.ReadAllLinesAsync(await download.PathAsync(), Ct);
        Assert.StartsWith("date,phone,name,", csv[0], StringComparison.Ordinal);
        Assert.Equal(DemoData.Advisors, csv.Length - 1);
        Assert.All(csv.Skip(1), l => Assert.StartsWith(day + ",", l, StringComparison.Ordinal));
        var tappedAt = Array.IndexOf(csv[0].Split(','), "tapped_at");
        Assert.NotEqual("", csv.Single(l => l.Split(',')[1] == tapper).Split(',')[tappedAt]);

        // The operator opens a conversation by its link before the advisor writes; the message arrives in the open thread.
        var writer = DemoData.Phone(8);
        await page.GotoAsync(new Uri(host.BaseAddress, "/#/conversations/" + writer).ToString());
        await Assertions.Expect(page.Locator("#thread")).ToHaveAttributeAsync("data-phone", writer);
        await Assertions.Expect(page.Locator("#nav a[aria-current=page]")).ToHaveTextAsync("Conversations");
        var text = await host.PostWebhookAsync(Webhook(writer, "wamid.browser.text", DemoData.Now.AddMinutes(-1),
            "\"type\":\"text\",\"text\":{\"body\":\"Can someone call me about <b>today's</b> note?\"}"));
        Assert.True(text.IsSuccessStatusCode);
        var thread = page.Locator("#thread");
        // User text is text: the markup arrives as characters, not as an element.
        await Assertions.Expect(thread.Locator(".messages li.in").Filter(new() { HasText = "<b>today's</b>" })).ToHaveCountAsync(1);
        Assert.Equal(0, await thread.Locator(".messages b").CountAsync());
        // The list beside it has the conversation; the window counts down from the server's clock (24 h less a minute).
        await Assertions.Expect(page.Locator($"#inbox-list a[data-phone='{writer}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#window-left")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("23h 5[0-9]m left"));
        await Assertions.Expect(page.Locator("#advisor-side")).ToContainTextAsync(DemoData.Name(8));
        await page.Locator("#reply-text").FillAsync("Hi, this is Priya from the desk. Calling you in 5 minutes.");
        await page.Locator("#reply-form button[type=submit]").ClickAsync();
        await Assertions.Expect(thread.Locator(".messages li.out").Filter(new() { HasText = "Calling you in 5 minutes" })).ToHaveCountAsync(1);
        // Answered: it leaves "Needs a reply" (the server's filter), live; the handed-off chat nobody has answered stays.
        await Assertions.Expect(page.Locator($"#inbox-list a[data-phone='{writer}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"#inbox-list a[data-phone='{DemoData.Phone(5)}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("button[data-filter=needs] .count")).ToHaveTextAsync(" 1");
        await using (var ctx = host.Db.CreateDbContext())
        {
            var reply = await ctx.Set<OutboxMessage>().SingleAsync(o => o.Purpose == "operator", Ct);
            Assert.Equal(writer, reply.Recipient);
            Assert.Equal(DemoData.Now.UtcDateTime.AddMinutes(-1).AddHours(24), reply.ExpiresAt);
        }

        // "Handed off" lists the conversation a person is handling (seeded: advisor 5), with "hand back" for operators.
        await page.Locator("button[data-filter=handoff]").ClickAsync();
        await page.Locator($"#inbox-list a[data-phone='{DemoData.Phone(5)}']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/conversations/" + DemoData.Phone(5) + "$"));
        await Assertions.Expect(thread.Locator(".close-handoff")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "conversations");

        // The tapper's advisor page, by its link: the tap is on the timeline.
        await page.GotoAsync(new Uri(host.BaseAddress, "/#/advisors/" + tapper).ToString());
        await Assertions.Expect(page.Locator("#advisor-detail h2")).ToHaveTextAsync(DemoData.Name(3));
        await Assertions.Expect(page.Locator("#timeline tbody tr[data-kind=tap]").First).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#advisor-edit").CountAsync()); // editing is for admins

        // Deliveries: today's templates by state, failures by code with what to do, packs after taps with resend.
        await page.Locator("#nav a[data-view=deliveries]").ClickAsync();
        await Assertions.Expect(page.Locator("#delivery-funnel dd[data-count=sent]")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#failures tbody tr").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, "deliveries");

        // Meta pauses the daily template: the banner says so at once (the account_health live event), as text.
        await Assertions.Expect(page.Locator("#health-banner")).ToBeHiddenAsync();
        var paused = await host.PostWebhookAsync("""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1764030000,"changes":[{"field":"message_template_status_update",
             "value":{"event":"PAUSED","message_template_id":594425479261596,"message_template_name":"daily_content_ready_v1","message_template_language":"en","reason":"NONE"}}]}]}
            """);
        Assert.True(paused.IsSuccessStatusCode);
        await Assertions.Expect(page.Locator("#health-banner p.critical")).ToContainTextAsync("daily_content_ready_v1 (en) is PAUSED");

        // Keyboard: the first Tab reaches "skip to content"; the menu is reachable and works at phone width.
        await page.Locator("#nav a[data-view=overview]").ClickAsync();
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(page.Locator("#nav")).ToBeHiddenAsync();
        await page.Locator("#nav-toggle").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#nav")).ToBeVisibleAsync();
        await page.Locator("#nav a[data-view=conversations]").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#inbox-list")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#nav")).ToBeHiddenAsync();
        await page.Locator("button[data-filter=all]").ClickAsync(); // answered, so under "All" now
        // On a phone the inbox is the list or the thread: opening a conversation shows the thread alone.
        await page.Locator($"#inbox-list a[data-phone='{writer}']").ClickAsync();
        await Assertions.Expect(page.Locator("#reply-text")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#inbox-list")).ToBeHiddenAsync();
        await ScreenshotAsync(page, "conversations-phone");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_viewer_cannot_reply_an_operator_replies_and_the_audit_view_shows_who()
    {
        var chromium = RequireChromium();
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

        // The viewer reads the conversation but has no reply box, no hand-back, no admin pages; the API refuses a reply.
        var viewer = await PageAsync(browser, errors);
        await OpenAsAsync(viewer, host.BaseAddress, "victor", "#/conversations/" + writer);
        await Assertions.Expect(viewer.Locator("#whoami")).ToContainTextAsync("viewer");
        await Assertions.Expect(viewer.Locator("#thread .messages li.in").Filter(new() { HasText = "Please call me" })).ToHaveCountAsync(1);
        Assert.Equal(0, await viewer.Locator("#reply-form").CountAsync());
        Assert.Equal(0, await viewer.Locator("textarea").CountAsync());
        Assert.Equal(0, await viewer.Locator(".close-handoff").CountAsync());
        await Assertions.Expect(viewer.Locator("#nav a[data-view=audit]")).ToBeHiddenAsync();
        await viewer.GotoAsync(new Uri(host.BaseAddress, "/#/audit").ToString());
        await Assertions.Expect(viewer.Locator("#view .error")).ToContainTextAsync("admin role");
        var status = await viewer.EvaluateAsync<int>(
            "async (phone) => (await fetch('/api/conversations/' + phone + '/reply', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'sneaky' }) })).status",
            writer);
        Assert.Equal(403, status);

        // The operator replies from the inbox.
        var op = await PageAsync(browser, errors);
        await OpenAsAsync(op, host.BaseAddress, "olga", "#/conversations/" + writer);
        await op.Locator("#reply-text").FillAsync("Olga here, calling you now.");
        await op.Locator("#reply-form button[type=submit]").ClickAsync();
        await Assertions.Expect(op.Locator("#reply-form .reason")).ToContainTextAsync("Queued");

        // The admin's audit view shows the reply under the operator's name; the admin pages render.
        var admin = await PageAsync(browser, errors);
        await OpenAsAsync(admin, host.BaseAddress, "ada", "#/audit");
        var row = admin.Locator("#audit tbody tr[data-action='conversation.reply']");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".actor")).ToHaveTextAsync("olga");
        await Assertions.Expect(row).ToContainTextAsync(writer);
        await Assertions.Expect(row).ToContainTextAsync("Olga here, calling you now.");
        await ScreenshotAsync(admin, "audit");
        await admin.Locator("#nav a[data-view=users]").ClickAsync();
        await Assertions.Expect(admin.Locator("#users tbody tr[data-user=olga]")).ToContainTextAsync("operator");
        await ScreenshotAsync(admin, "users");
        await admin.Locator("#nav a[data-view=settings]").ClickAsync();
        await Assertions.Expect(admin.Locator("#server-status")).ToContainTextAsync("Asia/Kolkata");
        // The configuration: a secret only as "set"; the filter and "only what differs from the defaults" narrow it.
        await Assertions.Expect(admin.Locator("#settings tr[data-key='Hubix:WhatsApp:AppSecret']")).ToContainTextAsync("set");
        Assert.DoesNotContain(HubixTestHost.AppSecret, await admin.Locator("#settings-config").InnerTextAsync(), StringComparison.Ordinal);
        await admin.Locator("#settings-filter").FillAsync("WhatsApp");
        await Assertions.Expect(admin.Locator("#settings tr[data-key='Hubix:Schedule:DailyAt']")).ToHaveCountAsync(0);
        await admin.Locator("#settings-changed").CheckAsync();
        await Assertions.Expect(admin.Locator("#settings tr[data-key='Hubix:WhatsApp:PairBurst']")).ToHaveCountAsync(0);
        await Assertions.Expect(admin.Locator("#settings tr[data-key='Hubix:WhatsApp:PhoneNumberId']")).ToContainTextAsync("changed");
        await admin.Locator("#settings-filter").FillAsync("");
        await ScreenshotAsync(admin, "settings");
        Assert.Empty(errors);
    }
}

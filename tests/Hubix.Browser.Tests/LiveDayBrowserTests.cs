using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Hubix.Browser.Tests.BrowserKit;

namespace Hubix.Browser.Tests;

/// <summary>
/// The 05:00 run and a pack's progress, watched live: the Deliveries view is open when the (fake) clock passes 05:00 in
/// India; the scheduler's run sends the templates to sandbox phones and the view's run state and template counts change
/// in place, without a reload; a phone taps, and that advisor's pack (items n/N, state) advances to delivered in place,
/// while an operator's inbox, open on the advisor's conversation, shows the tap and the pack's items arrive.
/// </summary>
public class LiveDayBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>2026-11-24 04:50 in India: ten minutes before the daily run.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 23, 20, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_daily_run_and_a_tapped_pack_update_deliveries_and_the_inbox_live()
    {
        var chromium = RequireChromium();
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start);
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Tick=00:00:30"], time: time);
        var host = pair.Hubix;
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync("ada", Roles.Admin, Password, "test", Ct);
        await users.AddAsync("olga", Roles.Operator, Password, "test", Ct);
        string[] phones = ["919800000301", "919800000302", "919800000303"];
        await AdvisorImport.UpsertAsync(host.Db,
            phones.Select((p, i) => new AdvisorInput(p, "Advisor " + (i + 1), "Asia/Kolkata", "en", "")).ToList(), time.GetUtcNow().UtcDateTime, Ct);
        await ImportPackAsync(host, time, "2026-11-24");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();
        var page = await PageAsync(browser, errors);
        await OpenAsAsync(page, host.BaseAddress, "ada", "#/deliveries");
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("#run-state")).ToHaveAttributeAsync("data-state", "not_started");
        await Assertions.Expect(page.Locator("#delivery-funnel dd[data-count=read]")).ToHaveTextAsync("0");
        // Anything the page remembers survives only if it is never reloaded.
        await page.EvaluateAsync("() => { window.liveMarker = 'still here'; }");

        // The operator has the first advisor's conversation open before anything happens.
        var op = await PageAsync(browser, errors);
        await OpenAsAsync(op, host.BaseAddress, "olga", "#/conversations/" + phones[0]);
        await Assertions.Expect(op.Locator("#thread")).ToHaveAttributeAsync("data-phone", phones[0]);
        await Assertions.Expect(op.Locator("#live-state")).ToHaveTextAsync("live");

        // 05:00 in India passes: the scheduler's next round sends the three templates; the phones get them and read them.
        time.Advance(TimeSpan.FromMinutes(15));
        await Assertions.Expect(page.Locator("#run-state")).ToHaveAttributeAsync("data-state", "done");
        await Assertions.Expect(page.Locator("#run-enqueued")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#delivery-funnel dd[data-count=read]")).ToHaveTextAsync("3", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#delivery-funnel dd[data-count=failed]")).ToHaveTextAsync("0");

        // The first phone taps its template: the pack's row appears and advances to delivered, items 4/4, in place.
        JsonObject? template = null;
        await HubixTestHost.EventuallyAsync(async () => (template = (await pair.PhoneMessagesAsync(phones[0])).OfType<JsonObject>()
            .FirstOrDefault(m => (string?)m["type"] == "template")) is not null, "the template on the phone");
        await pair.TapAsync(phones[0], (string)template!["id"]!, "Retrieve Content");
        var pack = page.Locator($"#unlocks tbody tr[data-phone='{phones[0]}']");
        await Assertions.Expect(pack).ToBeVisibleAsync();
        await Assertions.Expect(pack.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "delivered", new() { Timeout = 20_000 });
        await Assertions.Expect(pack.Locator("[data-progress=sent]")).ToHaveTextAsync(" 4/4");
        await Assertions.Expect(pack.Locator("[data-progress=delivered]")).ToHaveTextAsync(" 4/4", new() { Timeout = 20_000 });
        // (Not the day's "packs delivered": a pack counts on the day of its tap, and the sandbox stamps the tap with the real
        // clock while this host runs on the fake one.)
        Assert.Equal("still here", await page.EvaluateAsync<string>("() => window.liveMarker"));
        await ScreenshotAsync(page, "deliveries-live");

        // The operator's inbox shows the tap and the pack that answered it, live, in the open conversation.
        await Assertions.Expect(op.Locator("#thread .messages li.in")).ToHaveCountAsync(1);
        await Assertions.Expect(op.Locator("#thread .messages li.in .meta")).ToContainTextAsync("button");
        await Assertions.Expect(op.Locator("#thread .messages li.out")).ToHaveCountAsync(4);
        Assert.Empty(errors);
    }

    private static async Task ImportPackAsync(HubixTestHost host, TimeProvider time, string folder)
    {
        var dir = Path.Combine(Path.GetTempPath(), "hubix-packs", Guid.NewGuid().ToString("N"));
        var to = Path.Combine(dir, folder);
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "content", folder)))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }

        await PackImport.ImportDirectoryAsync(host.Db, dir, time.GetUtcNow().UtcDateTime, Ct);
    }
}

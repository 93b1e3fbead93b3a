using System.Text.Json.Nodes;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.Playwright;
using static Hubix.Browser.Tests.BrowserKit;

namespace Hubix.Browser.Tests;

/// <summary>
/// A day in the web app against the sandbox (Meta's protocol, phones that receive and tap): an admin imports advisors
/// from a CSV with a bad row, builds tomorrow's pack with an image and two posts, previews it for one advisor and sends
/// them a test; the sandbox phone gets the template and taps it; an operator, on the conversation's link, sees the tap
/// and the advisor's question arrive live, answers, and the answer reaches the phone.
/// </summary>
public class WorkdayBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_imports_and_builds_a_pack_the_phone_gets_the_test_and_taps_and_the_operator_answers_it()
    {
        var chromium = RequireChromium();
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false"]);
        var host = pair.Hubix;
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync("ada", Roles.Admin, Password, "test", Ct);
        await users.AddAsync("olga", Roles.Operator, Password, "test", Ct);
        const string asha = "919800000201", ravi = "919800000202";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();

        // 1. The admin imports advisors: the preview shows the bad row's error with its row number, and nothing is written yet.
        var admin = await PageAsync(browser, errors);
        await OpenAsAsync(admin, host.BaseAddress, "ada", "#/advisors");
        await admin.Locator("#import-open").ClickAsync();
        var csv = Path.Combine(Path.GetTempPath(), "advisors-" + Guid.NewGuid().ToString("N") + ".csv");
        await File.WriteAllTextAsync(csv, $"phone,name,timezone,language,categories\n{asha},Asha Verma,Asia/Kolkata,en,market\n12345,Bad Phone,Asia/Kolkata,en,market\n{ravi},Ravi Kumar,Asia/Kolkata,en,market\n", Ct);
        await admin.Locator("#import-file").SetInputFilesAsync(csv);
        await admin.Locator("#import-preview-button").ClickAsync();
        await Assertions.Expect(admin.Locator("#import-errors tbody tr[data-row='3']")).ToContainTextAsync("phone");
        await Assertions.Expect(admin.Locator("#import-summary")).ToContainTextAsync("2 valid rows: 2 new");
        await Assertions.Expect(admin.Locator("#import-rows tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(admin.Locator("#import-commit")).ToBeDisabledAsync();
        await Assertions.Expect(admin.Locator("#advisors tbody tr")).ToHaveCountAsync(0); // the preview wrote nothing
        await ScreenshotAsync(admin, "advisors-import");
        await admin.Locator("#import-skip").CheckAsync();
        await admin.Locator("#import-commit").ClickAsync();
        await Assertions.Expect(admin.Locator("#import-done")).ToContainTextAsync("2 new");
        await Assertions.Expect(admin.Locator("#advisors tbody tr")).ToHaveCountAsync(2);
        await admin.Locator("#advisor-search").FillAsync("ash");
        await Assertions.Expect(admin.Locator("#advisors tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.Locator("#advisors tbody tr").First).ToContainTextAsync("Asha Verma");
        await ScreenshotAsync(admin, "advisors");

        // 2. Tomorrow has no pack yet (flagged); the admin builds one: an uploaded image and two posts with placeholders.
        var today = DateOnly.Parse((await host.Admin.GetFromJsonAsync<JsonObject>("/api/dashboard/status", Ct))!["today"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await admin.Locator("#nav a[data-view=content]").ClickAsync();
        await Assertions.Expect(admin.Locator($".day[data-date='{tomorrow}']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("missing"));
        await admin.Locator("#new-date").FillAsync(tomorrow);
        await admin.Locator("#new-category").FillAsync("market");
        await admin.Locator("#new-pack button[type=submit]").ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/content/{tomorrow}/market$"));
        await admin.Locator("#pack-description").FillAsync("Nifty chart and two notes");
        await admin.Locator("#pack-files").SetInputFilesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "content", "2026-11-24", "nifty.png"));
        await admin.Locator("#pack-items li[data-kind=image] .item-caption").FillAsync("Nifty this week, shared by {name}");
        await admin.Locator("button[data-add=post]").ClickAsync();
        await admin.Locator("#pack-items li[data-kind=post] textarea").Nth(0).FillAsync("Good morning {name}: markets on {date} in one line.");
        await admin.Locator("button[data-add=post]").ClickAsync();
        await admin.Locator("#pack-items li[data-kind=post] textarea").Nth(1).FillAsync("Second note for your clients.");
        // A file Meta would refuse is stopped before the upload, with the reason.
        var big = Path.Combine(Path.GetTempPath(), "huge-" + Guid.NewGuid().ToString("N") + ".png");
        await File.WriteAllBytesAsync(big, new byte[6 * 1024 * 1024], Ct);
        await admin.Locator("#pack-files").SetInputFilesAsync(big);
        await Assertions.Expect(admin.Locator("#pack-problems")).ToContainTextAsync("up to 5 MB");
        await Assertions.Expect(admin.Locator("#pack-items > li")).ToHaveCountAsync(3);
        await admin.Locator("#pack-save").ClickAsync();
        await Assertions.Expect(admin.Locator("#pack-result")).ToContainTextAsync("version 1");

        // The preview for Asha: the template with its parameters and button, then each item with her name filled.
        await admin.Locator("#preview-phone").FillAsync(asha);
        await admin.Locator("#preview-button").ClickAsync();
        await Assertions.Expect(admin.Locator("#preview-for")).ToContainTextAsync("Asha Verma");
        await Assertions.Expect(admin.Locator("#preview-template")).ToContainTextAsync("Nifty chart and two notes");
        await Assertions.Expect(admin.Locator("#preview-template .wa-button")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.Locator("#preview .bubble[data-kind=post]").First).ToContainTextAsync("Good morning Asha Verma: markets on");
        await Assertions.Expect(admin.Locator("#preview .bubble[data-kind=image]")).ToContainTextAsync("shared by Asha Verma");
        Assert.True(await admin.Locator("#preview .bubble[data-kind=image] img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        await ScreenshotAsync(admin, "content-studio");

        // 3. A test to Asha's (sandbox) phone: the template arrives; the phone taps it and the pack follows.
        await admin.Locator("#send-test").ClickAsync();
        await Assertions.Expect(admin.Locator("#test-result")).ToContainTextAsync("Test queued");
        JsonObject? template = null;
        await HubixTestHost.EventuallyAsync(async () => (template = (await pair.PhoneMessagesAsync(asha)).OfType<JsonObject>().FirstOrDefault(m => (string?)m["type"] == "template")) is not null,
            "the test template on the phone");

        // 4. The operator has Asha's conversation open (its link) and sees the tap arrive, then her question; answers it.
        var op = await PageAsync(browser, errors);
        await OpenAsAsync(op, host.BaseAddress, "olga", "#/conversations/" + asha);
        await Assertions.Expect(op.Locator("#thread")).ToHaveAttributeAsync("data-phone", asha);
        await Assertions.Expect(op.Locator("#live-state")).ToHaveTextAsync("live");
        await pair.TapAsync(asha, (string)template!["id"]!, "Retrieve Content");
        await Assertions.Expect(op.Locator("#thread .messages li.in").First).ToBeVisibleAsync();
        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(asha)).OfType<JsonObject>().Count(m => (string?)m["type"] != "template") >= 3,
            "the pack's three items on the phone");
        await pair.TextAsync(asha, "Can I share the chart with my clients?");
        await Assertions.Expect(op.Locator("#thread .messages li.in").Filter(new() { HasText = "share the chart" })).ToHaveCountAsync(1);
        await op.Locator("#reply-text").FillAsync("Yes, Asha: it is cleared for clients. Olga");
        await op.Locator("#reply-form button[type=submit]").ClickAsync();
        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(asha)).OfType<JsonObject>()
            .Any(m => m.ToJsonString().Contains("cleared for clients", StringComparison.Ordinal)), "the operator's reply on the phone");

        // The pack's progress in Deliveries.
        await op.Locator("#nav a[data-view=deliveries]").ClickAsync();
        await Assertions.Expect(op.Locator($"#unlocks tbody tr[data-phone='{asha}']")).ToContainTextAsync("delivered");
        Assert.Empty(errors);
    }
}

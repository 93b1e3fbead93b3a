using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hubix.Browser.Tests;

/// <summary>The sandbox's phone page shows a Hindi-speaking advisor's template and pack in Devanagari (issue 18), in chromium.</summary>
public class SandboxPageBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Vikram = "919800000004";
    private const string HindiPost = "एसआईपी हर महीने थोड़ा-थोड़ा करके संपत्ति बनाती है।";
    private const string HindiUpdate = "बाज़ार अपडेट: निफ्टी 26,112.40 पर बंद हुआ।";

    [Fact]
    public async Task A_Hindi_advisors_template_and_pack_show_in_Devanagari_on_the_sandbox_page()
    {
        var chromium = Environment.GetEnvironmentVariable("HUBIX_TEST_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            Assert.Skip("chromium is not installed (apt-get install chromium); set HUBIX_TEST_CHROMIUM to use another path.");
        }

        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await SandboxPair.StartAsync(database, ["--Hubix:Schedule:Enabled=false", "--Hubix:Templates:Daily:Languages:hi:Language=hi"]);
        var services = pair.Hubix.Services;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var today = AdvisorClock.LocalDate("Asia/Kolkata", now);
        await AdvisorImport.UpsertAsync(pair.Hubix.Db, [new AdvisorInput(Vikram, "विक्रम सिंह", "Asia/Kolkata", "hi", "")], now, Ct);
        var pack = await PackImport.ValidateAsync(new PackDocument
        {
            Date = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Description = "निफ्टी और एसआईपी",
            Items =
            [
                new PackItemDocument { Kind = "post", Lang = "en", Text = "SIPs build wealth one month at a time." },
                new PackItemDocument { Kind = "post", Lang = "hi", Text = HindiPost },
                new PackItemDocument { Kind = "update", Lang = "hi", Text = HindiUpdate },
            ],
        }, null, (_, _) => Task.FromResult<PackFile?>(null), Ct);
        await PackImport.StoreAsync(pair.Hubix.Db, pack, now, Ct);

        // The Hindi daily template reaches the phone; the phone taps it and gets the Hindi items.
        var run = await services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("test", Force: true), Ct);
        Assert.True(run.Enqueued == 1, $"daily run: {run.Enqueued} enqueued; {string.Join(", ", run.Reasons.Select(r => r.Key + "=" + r.Value))}; {run.Note}");
        var template = await ReceivedAsync(pair, 1);
        Assert.Equal("hi", template[0]!["language"]?.GetValue<string>());
        await pair.TapAsync(Vikram, template[0]!["id"]!.GetValue<string>(), "0");
        await ReceivedAsync(pair, 3);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(new Uri(pair.SandboxClient.BaseAddress!, "/_sandbox").ToString());
        await page.Locator("#phones").GetByText("+" + Vikram).ClickAsync();
        await page.Locator("#chat").GetByText(HindiUpdate).WaitForAsync();

        var chat = await page.Locator("#chat").InnerTextAsync();
        Assert.Contains("सुप्रभात!", chat, StringComparison.Ordinal);
        Assert.Contains("निफ्टी और एसआईपी", chat, StringComparison.Ordinal);
        Assert.Contains(HindiPost, chat, StringComparison.Ordinal);
        Assert.DoesNotContain("SIPs build wealth", chat, StringComparison.Ordinal); // the English variant went to nobody here
        Assert.Contains("कंटेंट पाएँ", await page.Locator("#chat .btns button").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("\uFFFD", chat, StringComparison.Ordinal); // no mis-decoded bytes
        Assert.Equal("UTF-8", await page.EvaluateAsync<string>("document.characterSet"));
        Assert.Equal("hi", await page.Locator("#chat .msg").First.GetAttributeAsync("lang"));
        Assert.Contains("Devanagari", await page.EvaluateAsync<string>("getComputedStyle(document.body).fontFamily"), StringComparison.Ordinal);
        // The page's own text is the browser's rendering of it; a screenshot for a person to look at (not compared).
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "hubix-sandbox-devanagari.png") });
        Assert.Empty(errors);
    }

    private static async Task<JsonArray> ReceivedAsync(SandboxPair pair, int count)
    {
        JsonArray messages = [];
        await HubixTestHost.EventuallyAsync(async () => (messages = await pair.PhoneMessagesAsync(Vikram)).Count >= count, $"{count} message(s) on the phone");
        return messages;
    }
}

using System.Globalization;
using Hubix.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hubix.Browser.Tests;

/// <summary>What every browser test needs: Debian's chromium, signing in, webhooks as Meta sends them, screenshots.</summary>
internal static class BrowserKit
{
    public const string Password = "browser-test-password";

    /// <summary>Debian's chromium (HUBIX_TEST_CHROMIUM, else /usr/bin/chromium), or null to skip.</summary>
    public static string? Chromium()
    {
        var path = Environment.GetEnvironmentVariable("HUBIX_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(path))
        {
            path = "/usr/bin/chromium";
        }

        return File.Exists(path) ? path : null;
    }

    public static string RequireChromium()
    {
        var chromium = Chromium();
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed (apt-get install chromium); set HUBIX_TEST_CHROMIUM to use another path.");
        }

        return chromium;
    }

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium)
    {
        // The app's live updates can take a few seconds on a loaded machine (2 cores, several test hosts).
        Assertions.SetDefaultExpectTimeout(15_000);
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A page in its own context (its own cookie jar), page errors collected into <paramref name="errors"/>.</summary>
    public static async Task<IPage> PageAsync(IBrowser browser, List<string> errors, int width = 1400, int height = 900)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, TimezoneId = "Asia/Kolkata", Locale = "en-GB" });
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => errors.Add(e);
        return page;
    }

    public static async Task SignInAsync(IPage page, string name, string password = Password)
    {
        await page.Locator("#signin-name").FillAsync(name);
        await page.Locator("#signin-password").FillAsync(password);
        await page.Locator("#signin-submit").ClickAsync();
    }

    public static async Task OpenAsAsync(IPage page, Uri baseAddress, string name, string hash = "")
    {
        await page.GotoAsync(new Uri(baseAddress, "/" + hash).ToString());
        await SignInAsync(page, name);
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
    }

    /// <summary>
    /// A screenshot of the page into the test's output, and into docs/screenshots when HUBIX_UPDATE_SCREENSHOT=1 (how the
    /// committed ones are refreshed: run the browser tests with it set, then commit docs/screenshots).
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var shot = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        if (Environment.GetEnvironmentVariable("HUBIX_UPDATE_SCREENSHOT") == "1")
        {
            var dir = Path.Combine(RepoRoot(), "docs", "screenshots");
            Directory.CreateDirectory(dir);
            File.Copy(shot, Path.Combine(dir, name + ".png"), overwrite: true);
        }
    }

    public static string Webhook(string from, string wamid, DateTimeOffset at, string message) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
        "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"" + HubixTestHost.PhoneNumberId + "\"}," +
        "\"contacts\":[{\"profile\":{\"name\":\"Advisor\"},\"wa_id\":\"" + from + "\"}]," +
        "\"messages\":[{\"from\":\"" + from + "\",\"id\":\"" + wamid + "\",\"timestamp\":\"" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\"," + message + "}]}}]}]}";

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hubix.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Hubix.slnx not found above " + AppContext.BaseDirectory);
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.Playwright;
using static Hubix.Browser.Tests.BrowserKit;

namespace Hubix.Browser.Tests;

/// <summary>
/// The content studio's import, language variants and versions in a real browser: an admin imports a zipped pack (after
/// a hostile zip is refused with its entry named), adds a Hindi variant beside the English one and edits both, saves;
/// the preview gives a Hindi-speaking advisor the Hindi items and an English-speaking one the English items; the
/// versions list shows both saves, and the second version's changes against the first.
/// </summary>
public class ContentStudioBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_imports_a_zip_edits_english_and_hindi_side_by_side_previews_each_and_sees_the_versions()
    {
        var chromium = RequireChromium();
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        await host.Services.GetRequiredService<UserService>().AddAsync("ada", Roles.Admin, Password, "test", Ct);
        const string asha = "919800000401", vikram = "919800000402";
        await AdvisorImport.UpsertAsync(host.Db,
            [new AdvisorInput(asha, "Asha Verma", "Asia/Kolkata", "en", "market"), new AdvisorInput(vikram, "Vikram Singh", "Asia/Kolkata", "hi", "market")], DateTime.UtcNow, Ct);
        var today = DateOnly.Parse((await host.Admin.GetFromJsonAsync<JsonObject>("/api/dashboard/status", Ct))!["today"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var date = today.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // A zipped pack as an editor would make it: a folder named for its date, pack.json and the image it names.
        var png = await File.ReadAllBytesAsync(Path.Combine(RepoRoot(), "samples", "content", "2026-11-23", "nifty-week.png"), Ct);
        var packJson = $$"""
            {"date":"{{date}}","category":"market","description":"Nifty and two notes","items":[
              {"kind":"image","file":"nifty.png","caption":"Nifty this week"},
              {"kind":"post","text":"Good morning {name}: markets in one line.","lang":"en"},
              {"kind":"update","text":"Nifty closed flat.","lang":"en"}]}
            """;
        var good = WriteZip(("market/pack.json", System.Text.Encoding.UTF8.GetBytes(packJson)), ("market/nifty.png", png));
        var hostile = WriteZip(("pack.json", System.Text.Encoding.UTF8.GetBytes(packJson.Replace("\"nifty.png\"", "\"../nifty.png\"", StringComparison.Ordinal))), ("../nifty.png", png));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();
        var page = await PageAsync(browser, errors);
        await OpenAsAsync(page, host.BaseAddress, "ada", "#/content");

        // 1. A folder (the studio sends pack.json and the files it names): it opens in the editor.
        var folder = Directory.CreateTempSubdirectory("hubix-folder-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "pack.json"), packJson.Replace("\"market\"", "\"weekly\"", StringComparison.Ordinal), Ct);
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "nifty.png"), png, Ct);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.txt"), "not named by pack.json: not sent", Ct);
        await page.Locator("#import-folder").SetInputFilesAsync(folder.FullName);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/content/{date}/weekly$"));
        await Assertions.Expect(page.Locator("#pack-result")).ToContainTextAsync("Imported folder");
        await Assertions.Expect(page.Locator("#pack-variants li[data-kind=image] img.thumb")).ToBeVisibleAsync();
        await page.Locator("a[href='#/content']").First.ClickAsync();

        // A hostile zip is refused, naming the entry; nothing is stored. Then the good one opens in the editor.
        await page.Locator("#import-zip").SetInputFilesAsync(hostile);
        await Assertions.Expect(page.Locator("#import-problems")).ToContainTextAsync("zip entry '../nifty.png': '..' is not allowed");
        await Assertions.Expect(page.Locator("#import-status")).ToContainTextAsync("nothing was stored");
        await page.Locator("#import-zip").SetInputFilesAsync(good);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/content/{date}/market$"));
        await Assertions.Expect(page.Locator("#pack-result")).ToContainTextAsync("Imported");
        await Assertions.Expect(page.Locator("#pack-result")).ToContainTextAsync("Version 1, approved");
        await Assertions.Expect(page.Locator("#pack-variants .lang-col")).ToHaveCountAsync(1); // the English items: one column
        await Assertions.Expect(page.Locator("#pack-variants .lang-col[data-lang=en] li.shared[data-kind=image] img.thumb")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "content-import");

        // 2. A Hindi variant beside the English one: the texts are copied to translate; the image stays shared.
        await page.Locator("#variant-lang").FillAsync("hi");
        await page.Locator("#variant-add-button").ClickAsync();
        var en = page.Locator("#pack-variants .lang-col[data-lang=en]");
        var hi = page.Locator("#pack-variants .lang-col[data-lang=hi]");
        await Assertions.Expect(hi.Locator("li[data-lang=hi] textarea")).ToHaveCountAsync(2);
        await Assertions.Expect(hi.Locator("li.shared[data-kind=image]")).ToHaveCountAsync(1);
        await en.Locator("li[data-kind=post] textarea").FillAsync("Good morning {name}: markets on {date} in one line.");
        await hi.Locator("li[data-kind=post] textarea").FillAsync("सुप्रभात {name}: आज का बाज़ार एक पंक्ति में।");
        await hi.Locator("li[data-kind=update] textarea").FillAsync("निफ्टी सपाट बंद हुआ।");
        // The shared caption is one item: edited in the Hindi column, it changes in the English one too.
        await hi.Locator("li.shared .item-caption").FillAsync("Nifty this week · निफ्टी");
        await Assertions.Expect(en.Locator("li.shared .item-caption")).ToHaveValueAsync("Nifty this week · निफ्टी");
        await ScreenshotAsync(page, "content-variants");
        await page.Locator("#pack-save").ClickAsync();
        await Assertions.Expect(page.Locator("#pack-result")).ToContainTextAsync("Saved: version 2");
        await Assertions.Expect(page.Locator("#pack-variants .lang-col")).ToHaveCountAsync(2); // reloaded from the server, with their lang

        // 3. The preview chooses each advisor's variant, as the unlock does.
        await page.Locator("#preview-phone").FillAsync(vikram);
        await page.Locator("#preview-button").ClickAsync();
        await Assertions.Expect(page.Locator("#preview-for")).ToContainTextAsync("Vikram Singh");
        await Assertions.Expect(page.Locator("#preview .bubble[data-kind=post]")).ToHaveTextAsync("सुप्रभात Vikram Singh: आज का बाज़ार एक पंक्ति में।");
        await Assertions.Expect(page.Locator("#preview .bubble[data-kind=update]")).ToHaveTextAsync("निफ्टी सपाट बंद हुआ।");
        await Assertions.Expect(page.Locator("#preview .bubble[data-kind=image]")).ToContainTextAsync("Nifty this week · निफ्टी");
        await page.Locator("#preview-phone").FillAsync(asha);
        await page.Locator("#preview-button").ClickAsync();
        await Assertions.Expect(page.Locator("#preview-for")).ToContainTextAsync("Asha Verma");
        await Assertions.Expect(page.Locator("#preview .bubble[data-kind=post]")).ToContainTextAsync("Good morning Asha Verma: markets on");
        await Assertions.Expect(page.Locator("#preview .bubble[data-kind=update]")).ToHaveTextAsync("Nifty closed flat.");

        // 4. The versions: the second save is sent, the first approved before it; its changes against the first.
        await Assertions.Expect(page.Locator("#pack-versions li[data-version]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#pack-versions li[data-version='2']")).ToHaveAttributeAsync("data-state", "sent");
        await Assertions.Expect(page.Locator("#pack-versions li[data-version='1']")).ToHaveAttributeAsync("data-state", "approved");
        await Assertions.Expect(page.Locator("#pack-versions li[data-version='1']")).ToContainTextAsync("saved by ada");
        await page.Locator("#pack-versions button[data-view-version='2']").ClickAsync();
        await Assertions.Expect(page.Locator("#version-changes")).ToContainTextAsync("+ Post (hi): सुप्रभात {name}");
        await Assertions.Expect(page.Locator("#version-changes")).ToContainTextAsync("− Post (en): Good morning {name}: markets in one line.");
        await page.Locator("#pack-versions button[data-view-version='1']").ClickAsync();
        await Assertions.Expect(page.Locator("#version-view .items li")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#version-view .items li[data-kind=post]")).ToContainTextAsync("markets in one line");
        await page.Locator("#pack-versions button[data-view-version='2']").ClickAsync();
        await Assertions.Expect(page.Locator("#version-changes")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "content-versions");
        Assert.Empty(errors);
        folder.Delete(recursive: true);
    }

    private static string WriteZip(params (string Name, byte[] Bytes)[] entries)
    {
        var path = Path.Combine(Path.GetTempPath(), "pack-" + Guid.NewGuid().ToString("N") + ".zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }

        return path;
    }
}

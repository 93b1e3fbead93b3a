using Hubix.Advisors;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Hubix.Browser.Tests.BrowserKit;

namespace Hubix.Browser.Tests;

/// <summary>
/// Bulk actions in the advisors table: an admin ticks rows, or takes every advisor the search finds, chooses an action, is
/// told how many advisors will change, confirms, and sees the table change; an operator sees no checkboxes.
/// </summary>
public class AdvisorsBulkBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_selects_rows_confirms_and_sees_the_table_update_then_acts_on_every_advisor_matching_a_search()
    {
        var chromium = RequireChromium();
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, time: new FakeTimeProvider(DemoData.Now));
        await DemoData.SeedAsync(host.Db, Ct);
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync("ada", Roles.Admin, Password, "test", Ct);
        await users.AddAsync("olga", Roles.Operator, Password, "test", Ct);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var errors = new List<string>();
        var page = await PageAsync(browser, errors);
        await OpenAsAsync(page, host.BaseAddress, "ada", "#/advisors");
        var table = page.Locator("#advisors");
        await Assertions.Expect(table.Locator("tbody tr")).ToHaveCountAsync(DemoData.Advisors);
        await Assertions.Expect(page.Locator("#bulk-bar")).ToBeHiddenAsync();

        // Two rows ticked: the bar counts them; "Set language hi" asks first, saying how many will change.
        string p0 = DemoData.Phone(0), p1 = DemoData.Phone(1);
        await table.Locator($"input[data-select='{p0}']").CheckAsync();
        await table.Locator($"input[data-select='{p1}']").CheckAsync();
        await Assertions.Expect(page.Locator("#bulk-count")).ToHaveTextAsync("2 selected");
        await page.Locator("#bulk-action").SelectOptionAsync("set_language");
        await page.Locator("#bulk-value").FillAsync("hi");
        await page.Locator("#bulk-apply").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-dialog")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#bulk-question")).ToContainTextAsync("2 advisors will change");
        await ScreenshotAsync(page, "advisors-bulk");

        // Cancel changes nothing; Confirm applies it and the table shows it without a reload.
        await page.Locator("#bulk-cancel").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-dialog")).ToBeHiddenAsync();
        Assert.Equal(0, await CountAsync(host, a => a.Language == "hi"));
        await page.Locator("#bulk-apply").ClickAsync();
        await page.Locator("#bulk-confirm").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-result")).ToContainTextAsync("2 changed");
        // The language column (after the checkbox, phone, name and status).
        await Assertions.Expect(table.Locator($"tr[data-phone='{p0}'] td:nth-child(5)")).ToHaveTextAsync("hi");
        await Assertions.Expect(table.Locator($"tr[data-phone='{p1}'] td:nth-child(5)")).ToHaveTextAsync("hi");
        await Assertions.Expect(table.Locator($"tr[data-phone='{DemoData.Phone(2)}'] td:nth-child(5)")).ToHaveTextAsync("en");
        await Assertions.Expect(table.Locator("input[data-select]:checked")).ToHaveCountAsync(0);
        Assert.Equal(2, await CountAsync(host, a => a.Language == "hi"));

        // Every advisor whose name starts with "a", taken by the search rather than by row, opted out with the reason recorded.
        await page.Locator("#advisor-search").FillAsync("a");
        var matching = await CountAsync(host, a => a.Name.StartsWith("A"));
        await Assertions.Expect(table.Locator("tbody tr")).ToHaveCountAsync(matching);
        await page.Locator("#bulk-page").CheckAsync();
        await page.Locator("#bulk-all").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-count")).ToHaveTextAsync("All advisors matching this search");
        await page.Locator("#bulk-action").SelectOptionAsync("opt_out");
        await page.Locator("#bulk-reason").FillAsync("distributor ended the contract, ticket 77");
        await page.Locator("#bulk-apply").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-question")).ToContainTextAsync($"{matching} advisors will change");
        await page.Locator("#bulk-confirm").ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-result")).ToContainTextAsync($"{matching} changed");
        await Assertions.Expect(table.Locator("tbody tr .pill.bad")).ToHaveCountAsync(matching);
        Assert.Equal(matching, await CountAsync(host, a => a.Status == AdvisorStatus.OptedOut));
        await using (var ctx = host.Db.CreateDbContext())
        {
            Assert.Equal(matching, await ctx.Set<ConsentEvent>().CountAsync(c => c.Detail == "bulk: distributor ended the contract, ticket 77", Ct));
            Assert.Equal(2, await ctx.Set<AuditEntry>().CountAsync(e => e.Action == AuditActions.AdvisorBulk && e.Actor == "ada", Ct));
        }

        // An operator reads the table but has no bulk actions (advisor changes are for admins).
        var op = await PageAsync(browser, errors);
        await OpenAsAsync(op, host.BaseAddress, "olga", "#/advisors");
        await Assertions.Expect(op.Locator("#advisors tbody tr")).ToHaveCountAsync(DemoData.Advisors);
        Assert.Equal(0, await op.Locator("#advisors input[data-select]").CountAsync());
        Assert.Empty(errors);
    }

    private static async Task<int> CountAsync(HubixTestHost host, System.Linq.Expressions.Expression<Func<Advisor, bool>> where)
    {
        await using var ctx = host.Db.CreateDbContext();
        return await ctx.Set<Advisor>().CountAsync(where, Ct);
    }
}

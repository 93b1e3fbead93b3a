using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Advisors;

/// <summary><c>POST /api/advisors/bulk</c> over HTTP on both databases: by search at thousands of rows, by phones, consent, roles, audit.</summary>
public class AdvisorBulkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 0, TimeSpan.Zero);

    /// <summary>3,000 advisors: phones 91700000000.., every third named "Kiran …" (1,000), the rest "Meera …".</summary>
    private static async Task SeedAsync(HubixTestHost host, int count = 3000)
    {
        var inputs = Enumerable.Range(0, count).Select(i => new AdvisorInput(
            "9170" + i.ToString("D8", CultureInfo.InvariantCulture), (i % 3 == 0 ? "Kiran " : "Meera ") + i.ToString(CultureInfo.InvariantCulture),
            "Asia/Kolkata", "en", "market")).ToList();
        await AdvisorImport.UpsertAsync(host.Db, inputs, Now.UtcDateTime, Ct);
    }

    private static async Task<AdvisorBulk.BulkResult> BulkAsync(HubixTestHost host, object body)
    {
        var response = await host.Admin.PostAsJsonAsync("/api/advisors/bulk", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<AdvisorBulk.BulkResult>(Web, Ct))!;
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bulk_by_search_changes_exactly_the_matching_advisors_once_and_is_audited_once_per_request(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, [], new FakeTimeProvider(Now));
        await SeedAsync(host);

        // The dry run counts what the search finds (as the table would) and changes nothing.
        var search = new { q = "KIRAN", status = "active" };
        var dry = await BulkAsync(host, new { action = "set_language", value = "hi", search, dryRun = true });
        Assert.Equal((1000, 1000, 0, 0), (dry.Matched, dry.Changed, dry.Unchanged, dry.Failed));
        await using (var ctx = host.Db.CreateDbContext())
        {
            Assert.Equal(0, await ctx.Set<Advisor>().CountAsync(a => a.Language == "hi", Ct));
            Assert.Equal(0, await ctx.Set<AuditEntry>().CountAsync(e => e.Action == AuditActions.AdvisorBulk, Ct));
        }

        var done = await BulkAsync(host, new { action = "set_language", value = "hi", search });
        Assert.Equal((1000, 1000, 0, 0), (done.Matched, done.Changed, done.Unchanged, done.Failed));
        var again = await BulkAsync(host, new { action = "set_language", value = "hi", search });
        Assert.Equal((1000, 0, 1000, 0), (again.Matched, again.Changed, again.Unchanged, again.Failed));

        await using (var ctx = host.Db.CreateDbContext())
        {
            var hindi = await ctx.Set<Advisor>().Where(a => a.Language == "hi").Select(a => a.Name).ToListAsync(Ct);
            Assert.Equal(1000, hindi.Count);
            Assert.All(hindi, n => Assert.StartsWith("Kiran ", n, StringComparison.Ordinal));
            Assert.Equal(2000, await ctx.Set<Advisor>().CountAsync(a => a.Language == "en", Ct));

            // One entry per request (not per batch, not per advisor), with the filter and the counts.
            var entries = await ctx.Set<AuditEntry>().Where(e => e.Action == AuditActions.AdvisorBulk).OrderBy(e => e.Id).ToListAsync(Ct);
            Assert.Equal(2, entries.Count);
            Assert.Equal("api-key", entries[0].Actor);
            Assert.Contains("set_language hi", entries[0].Detail, StringComparison.Ordinal);
            Assert.Contains("search q=KIRAN status=active", entries[0].Detail, StringComparison.Ordinal);
            Assert.Contains("matched 1000, changed 1000, already so 0, failed 0", entries[0].Detail, StringComparison.Ordinal);
            Assert.Contains("changed 0, already so 1000", entries[1].Detail, StringComparison.Ordinal);
        }

        // A category added to a phone prefix: 917000001xxx are 1,000 advisors.
        var tagged = await BulkAsync(host, new { action = "add_category", value = "Tax", search = new { q = "+91 7000 001" } });
        Assert.Equal((1000, 1000), (tagged.Matched, tagged.Changed));
        await using (var ctx = host.Db.CreateDbContext())
        {
            Assert.Equal(1000, await ctx.Set<Advisor>().CountAsync(a => a.Categories == "market;tax", Ct));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Bulk_consent_needs_a_reason_records_it_per_advisor_and_reports_failures(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, [], new FakeTimeProvider(Now));
        await SeedAsync(host, 10);
        string P(int i) => "9170" + i.ToString("D8", CultureInfo.InvariantCulture);

        var noReason = await host.Admin.PostAsJsonAsync("/api/advisors/bulk", new { action = "opt_in", phones = new[] { P(1) } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("evidence", await noReason.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var both = await host.Admin.PostAsJsonAsync("/api/advisors/bulk", new { action = "opt_out", reason = "x", phones = new[] { P(1) }, search = new { q = "" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);

        var phones = new[] { P(1), "+" + P(2), P(3), "919999999999", "not-a-phone" };
        var stopped = await BulkAsync(host, new { action = "opt_out", reason = "asked by email, ticket 4411", phones });
        Assert.Equal((5, 3, 0, 2), (stopped.Matched, stopped.Changed, stopped.Unchanged, stopped.Failed));
        Assert.Contains(stopped.Failures, f => f.Phone == "919999999999" && f.Reason == "no such advisor");
        Assert.Contains(stopped.Failures, f => f.Phone == "not-a-phone" && f.Reason.StartsWith("not a phone number", StringComparison.Ordinal));

        var repeated = await BulkAsync(host, new { action = "opt_out", reason = "asked by email, ticket 4411", phones = new[] { P(1), P(2), P(3) } });
        Assert.Equal((3, 0, 3), (repeated.Matched, repeated.Changed, repeated.Unchanged));
        var back = await BulkAsync(host, new { action = "opt_in", reason = "signed form 2026-03-09", phones = new[] { P(1) } });
        Assert.Equal(1, back.Changed);

        await using var ctx = host.Db.CreateDbContext();
        var ledger = await ctx.Set<ConsentEvent>().Where(c => c.Source == "operator").OrderBy(c => c.Id).ToListAsync(Ct);
        Assert.Equal([P(1), P(2), P(3), P(1)], ledger.Select(c => c.Phone));
        Assert.All(ledger.Take(3), c => Assert.Equal((AdvisorStatus.OptedOut, "bulk: asked by email, ticket 4411"), (c.Status, c.Detail)));
        Assert.Equal((AdvisorStatus.Active, "bulk: signed form 2026-03-09"), (ledger[3].Status, ledger[3].Detail));
        Assert.Equal(2, await ctx.Set<Advisor>().CountAsync(a => a.Status == AdvisorStatus.OptedOut, Ct));
    }

    [Fact]
    public async Task A_viewer_and_an_operator_get_403_and_nothing_changes()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, [], new FakeTimeProvider(Now));
        await SeedAsync(host, 5);
        var users = host.Services.GetRequiredService<UserService>();
        foreach (var (name, role) in new[] { ("vera", Roles.Viewer), ("omar", Roles.Operator) })
        {
            await users.AddAsync(name, role, "correct-horse-battery", "test", Ct);
            var user = (await users.ListAsync(Ct)).Single(u => u.Name == name);
            var token = await users.CreateTokenAsync(user.Id, name, "test", Ct);
            using var client = new HttpClient { BaseAddress = host.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            var response = await client.PostAsJsonAsync("/api/advisors/bulk", new { action = "set_language", value = "hi", search = new { q = "" } }, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(0, await ctx.Set<Advisor>().CountAsync(a => a.Language == "hi", Ct));
    }
}

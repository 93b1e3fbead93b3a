using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Content;
using Hubix.Data;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Hubix.Tests.ContentStudio;

/// <summary>A pack's version history (<c>ContentPackVersions</c>) over HTTP with approval on, and its backfill by the migration.</summary>
public class PackVersionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private const string Password = "correct-horse-battery";

    private static async Task<HttpClient> TokenClientAsync(HubixTestHost host, string name)
    {
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync(name, Roles.Admin, Password, "test", Ct);
        var user = (await users.ListAsync(Ct)).Single(u => u.Name == name);
        var token = await users.CreateTokenAsync(user.Id, name, "test", Ct);
        var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    private static object Pack(string text) => new { date = "2026-12-03", category = "market", description = "Markets " + text, items = new[] { new { kind = "post", text } } };

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task History_shows_who_saved_and_approved_each_version_and_which_is_sent_and_old_items_are_served(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Content:RequireApproval=true"]);
        using var ada = await TokenClientAsync(host, "ada");
        using var bob = await TokenClientAsync(host, "bob");

        var v1 = await (await ada.PostAsJsonAsync("/api/packs", Pack("one"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = v1.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Conflict, (await ada.PostAsync($"/api/packs/{id}/approve", null, Ct)).StatusCode); // four eyes
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/packs/{id}/approve?version=1", null, Ct)).StatusCode);
        var v2 = await (await ada.PostAsJsonAsync("/api/packs", Pack("two"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, v2.GetProperty("version").GetInt32());

        var history = (await bob.GetFromJsonAsync<List<PackVersions.PackVersionDto>>($"/api/packs/{id}/versions", Web, Ct))!;
        Assert.Equal([2, 1], history.Select(v => v.Version));
        Assert.Equal(("draft", "ada", (string?)null, "Markets two", 1), (history[0].State, history[0].CreatedBy, history[0].ApprovedBy, history[0].Description, history[0].Items));
        Assert.Equal(("sent", "ada", "bob", "Markets one"), (history[1].State, history[1].CreatedBy, history[1].ApprovedBy, history[1].Description));
        Assert.NotNull(history[1].ApprovedAt);

        // Version 1's items are still served as stored, and version 2's are the draft's.
        var old = (await bob.GetFromJsonAsync<PackVersions.PackVersionDetail>($"/api/packs/{id}/versions/1", Web, Ct))!;
        Assert.Equal("one", Assert.Single(old.Items).Text);
        Assert.Equal("sent", old.Version.State);
        Assert.Equal("two", Assert.Single((await bob.GetFromJsonAsync<PackVersions.PackVersionDetail>($"/api/packs/{id}/versions/2", Web, Ct))!.Items).Text);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/packs/{id}/versions/3", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync("/api/packs/999999/versions", Ct)).StatusCode);

        // Replacing the draft keeps one row for version 2, now saved by whoever saved last.
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsJsonAsync("/api/packs", Pack("two, again"), Ct)).StatusCode);
        history = (await ada.GetFromJsonAsync<List<PackVersions.PackVersionDto>>($"/api/packs/{id}/versions", Web, Ct))!;
        Assert.Equal([(2, "bob", "draft"), (1, "ada", "sent")], history.Select(v => (v.Version, v.CreatedBy!, v.State)));

        // Approving version 2 makes it the sent one; version 1 stays approved (superseded) with its approver.
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync($"/api/packs/{id}/approve?version=2", null, Ct)).StatusCode);
        history = (await ada.GetFromJsonAsync<List<PackVersions.PackVersionDto>>($"/api/packs/{id}/versions", Web, Ct))!;
        Assert.Equal([(2, "sent", "ada"), (1, "approved", "bob")], history.Select(v => (v.Version, v.State, v.ApprovedBy!)));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_approval_of_a_version_a_reimport_replaced_is_refused_and_changes_nothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Content:RequireApproval=true"]);
        using var ada = await TokenClientAsync(host, "ada");
        using var bob = await TokenClientAsync(host, "bob");
        var id = (await (await ada.PostAsJsonAsync("/api/packs", Pack("one"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/packs/{id}/approve", null, Ct)).StatusCode);

        // Bob reviews version 2; before he approves, ada's re-import makes version 3: his approval of 2 is refused.
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsJsonAsync("/api/packs", Pack("two"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/packs/{id}/approve?version=2", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsJsonAsync("/api/packs", Pack("three"), Ct)).StatusCode);
        var before = (await ada.GetFromJsonAsync<List<PackVersions.PackVersionDto>>($"/api/packs/{id}/versions", Web, Ct))!;
        var stale = await bob.PostAsync($"/api/packs/{id}/approve?version=2", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("newest version of pack", await stale.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var after = (await ada.GetFromJsonAsync<List<PackVersions.PackVersionDto>>($"/api/packs/{id}/versions", Web, Ct))!;
        Assert.Equal(before, after);
        Assert.Equal([(3, "draft"), (2, "sent"), (1, "approved")], after.Select(v => (v.Version, v.State)));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_migration_backfills_the_newest_and_the_sent_version_of_existing_packs(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var at = new DateTime(2026, 11, 20, 5, 0, 0, DateTimeKind.Utc);
        await using (var context = db.CreateDbContext())
        {
            var migrations = context.Database.GetMigrations().ToList();
            var previous = migrations[migrations.FindIndex(m => m.EndsWith("_PackVersions", StringComparison.Ordinal)) - 1];
            await context.GetService<IMigrator>().MigrateAsync(previous, Ct);
            // Written as the packs table stood before the history: an approved pack, and one with a draft over its sent version.
            context.Add(new ContentPack
            {
                Date = new DateOnly(2026, 11, 20), Category = "a", Description = "A", CreatedAt = at, UpdatedAt = at, Version = 1, ApprovedVersion = 1,
                ApprovedDescription = "A", CreatedBy = "ada", ApprovedBy = "bob", ApprovedAt = at,
                Items = [new ContentItem { Kind = "post", Text = "a1", Version = 1 }, new ContentItem { Kind = "post", Text = "a2", Version = 1, Position = 1 }],
            });
            context.Add(new ContentPack
            {
                Date = new DateOnly(2026, 11, 20), Category = "b", Description = "B2", CreatedAt = at, UpdatedAt = at.AddHours(1), Version = 2, ApprovedVersion = 1,
                ApprovedDescription = "B1", CreatedBy = "cli", ApprovedBy = "bob", ApprovedAt = at,
                Items = [new ContentItem { Kind = "post", Text = "b1", Version = 1 }, new ContentItem { Kind = "post", Text = "b2", Version = 2 }],
            });
            await context.SaveChangesAsync(Ct);
            await context.Database.MigrateAsync(Ct);
        }

        await using (var context = db.CreateDbContext())
        {
            var rows = await context.Set<ContentPackVersion>().AsNoTracking().Join(context.Set<ContentPack>(), v => v.PackId, p => p.Id, (v, p) => new { p.Category, v })
                .OrderBy(x => x.Category).ThenBy(x => x.v.Version).ToListAsync(Ct);
            Assert.Equal(
                [("a", 1, "A", "ada", "bob", 2), ("b", 1, "B1", null, "bob", 1), ("b", 2, "B2", "cli", null, 1)],
                rows.Select(r => (r.Category, r.v.Version, r.v.Description, r.v.CreatedBy, r.v.ApprovedBy, r.v.Items)));
            Assert.Equal(at.AddHours(1), rows[2].v.CreatedAt);
        }
    }
}

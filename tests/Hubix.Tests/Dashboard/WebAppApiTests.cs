using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Dashboard;

/// <summary>What the web app needs from the server: its files (and nothing else), the CSV dry run and the pack preview.</summary>
public class WebAppApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_app_files_are_served_with_the_csp_and_no_other_path_is()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);

        foreach (var (path, type) in new[] { ("/", "text/html"), ("/dashboard/app.js", "text/javascript"), ("/dashboard/views/conversations.js", "text/javascript"), ("/dashboard/app.css", "text/css") })
        {
            var ok = await host.Client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.StartsWith(type, ok.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", ok.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", ok.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // (HttpClient itself folds a literal "views/../" before sending; the encoded spellings reach the server.)
        // Traversal in any spelling, other letter cases, unknown types and embedded resources that are not the app's: 404.
        foreach (var path in new[] { "/dashboard/../appsettings.json", "/dashboard/views/..%2Fapp.js", "/dashboard/%2e%2e/app.js",
            "/dashboard/VIEWS/overview.js", "/dashboard/views//overview.js", "/dashboard/.hidden.js", "/dashboard/views/missing.js", "/dashboard/app.json",
            "/dashboard/views%5Coverview.js", "/dashboard/a/b/c/d/e.js" })
        {
            var response = await host.Client.GetAsync(path, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, path + " answered " + (int)response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_import_preview_gives_each_row_and_each_error_with_its_row_number_and_writes_nothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        await AdvisorImport.UpsertAsync(host.Db, [new AdvisorInput("919800000301", "Old Name", "Asia/Kolkata", "en", "")], DateTime.UtcNow, Ct);
        const string csv = "phone,name,timezone,language,categories\n919800000301,New Name,Asia/Kolkata,en,\n919800000302,Fresh,Asia/Kolkata,en,market\nnot-a-phone,X,Asia/Kolkata,en,\n919800000303,Y,Mars/Base,en,\n";

        var response = await host.Admin.PostAsync("/api/advisors/import/preview", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = (await response.Content.ReadFromJsonAsync<AdvisorEndpoints.ImportPreview>(Web, Ct))!;

        Assert.Equal((2, 1, 1, 0, 2), (preview.Valid, preview.Create, preview.Update, preview.Unchanged, preview.InvalidRows));
        Assert.Equal([(2, "update"), (3, "create")], preview.Rows.Select(r => (r.Row, r.Action)));
        Assert.Equal([(4, "phone"), (5, "timezone")], preview.Errors.Select(e => (e.Row, e.Field)));
        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(["Old Name"], await ctx.Set<Advisor>().Select(a => a.Name).ToListAsync(Ct));

        // A viewer may not run it (it reads the whole file as an admin's import would).
        var users = host.Services.GetRequiredService<Hubix.Operators.UserService>();
        await users.AddAsync("vera", Hubix.Operators.Roles.Viewer, "viewer-password-123", "test", Ct);
        var token = await TokenAsync(host, "vera", "viewer-password-123");
        using var viewer = new HttpClient { BaseAddress = host.BaseAddress };
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/advisors/import/preview", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct)).StatusCode);
    }

    [Fact]
    public async Task The_pack_preview_fills_the_advisors_name_and_date_and_gives_the_template_as_sent()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        await AdvisorImport.UpsertAsync(host.Db, [new AdvisorInput("919800000311", "Meera Rao", "Asia/Kolkata", "en", "market")], DateTime.UtcNow, Ct);
        var imported = await host.Admin.PostAsync("/api/packs", new StringContent("""
            {"date":"2026-12-01","category":"market","description":"Two notes","items":[
              {"kind":"post","text":"Hello {name}, here is {date}."},
              {"kind":"image","url":"https://example.com/chart.png","caption":"For {name}"}]}
            """, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var id = (await imported.Content.ReadFromJsonAsync<JsonElement>(Web, Ct)).GetProperty("id").GetInt64();

        var p = (await host.Admin.GetFromJsonAsync<PackPreviewEndpoints.PackPreview>($"/api/packs/{id}/preview?phone=919800000311", Web, Ct))!;
        Assert.Equal("Meera Rao", p.Name);
        Assert.Equal("daily_content_ready_v1", p.Template.Name);
        Assert.Equal(["Market", "1 Dec 2026", "Two notes"], p.Template.Parameters);
        Assert.Equal("all", Assert.Single(p.Template.Buttons).Scope);
        Assert.Equal("Hello Meera Rao, here is 1 Dec 2026.", p.Items[0].Text);
        Assert.Equal("For Meera Rao", p.Items[1].Caption);
        Assert.Equal("https://example.com/chart.png", p.Items[1].MediaUrl);

        var anyone = (await host.Admin.GetFromJsonAsync<PackPreviewEndpoints.PackPreview>($"/api/packs/{id}/preview", Web, Ct))!;
        Assert.Equal("Hello there, here is 1 Dec 2026.", anyone.Items[0].Text);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/packs/{id}/preview?phone=919800009999", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/api/packs/999999/preview", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_pack_preview_shows_the_language_variant_the_advisor_gets()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        await AdvisorImport.UpsertAsync(host.Db,
            [new AdvisorInput("919800000312", "Vikram", "Asia/Kolkata", "hi", ""), new AdvisorInput("919800000313", "Asha", "Asia/Kolkata", "en", "")],
            DateTime.UtcNow, Ct);
        var imported = await host.Admin.PostAsync("/api/packs", new StringContent("""
            {"date":"2026-12-02","items":[
              {"kind":"post","text":"Morning note","lang":"en"},
              {"kind":"post","text":"सुबह का नोट","lang":"hi"},
              {"kind":"image","url":"https://example.com/chart.png","caption":"chart"}]}
            """, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var id = (await imported.Content.ReadFromJsonAsync<JsonElement>(Web, Ct)).GetProperty("id").GetInt64();

        var hindi = (await host.Admin.GetFromJsonAsync<PackPreviewEndpoints.PackPreview>($"/api/packs/{id}/preview?phone=919800000312", Web, Ct))!;
        Assert.Equal(["सुबह का नोट", null], hindi.Items.Select(i => i.Text));
        var english = (await host.Admin.GetFromJsonAsync<PackPreviewEndpoints.PackPreview>($"/api/packs/{id}/preview?phone=919800000313", Web, Ct))!;
        Assert.Equal(["Morning note", null], english.Items.Select(i => i.Text));
        var nobody = (await host.Admin.GetFromJsonAsync<PackPreviewEndpoints.PackPreview>($"/api/packs/{id}/preview", Web, Ct))!;
        Assert.Equal(["Morning note", null], nobody.Items.Select(i => i.Text));
    }

    private static async Task<string> TokenAsync(HubixTestHost host, string name, string password)
    {
        using var handler = new HttpClientHandler { UseCookies = true };
        using var client = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        (await client.PostAsJsonAsync("/api/session", new { name, password }, Ct)).EnsureSuccessStatusCode();
        var created = await client.PostAsJsonAsync("/api/tokens", new { label = "test" }, Ct);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Web, Ct)).GetProperty("token").GetString()!;
    }
}

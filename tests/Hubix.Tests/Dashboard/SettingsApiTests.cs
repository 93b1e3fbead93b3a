using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Kernel;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;

namespace Hubix.Tests.Dashboard;

/// <summary>The admins' Settings page reads the configuration the server runs with, and never a secret.</summary>
public class SettingsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Settings_show_what_the_server_runs_with_mark_what_changed_and_never_a_secret()
    {
        const string slack = "https://hooks.slack.com/services/T000/B000/very-secret-path-token";
        const string previous = "previous-app-secret-value";
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database,
        [
            "--Hubix:Schedule:DailyAt=06:15", "--Hubix:Templates:Daily:Languages:hi:Name=daily_content_ready_hi", $"--Hubix:Alerts:WebhookUrl={slack}", $"--Hubix:WhatsApp:PreviousAppSecret={previous}",
            "--Hubix:Agent:Llm:Endpoint=http://llm-user:llm-password@127.0.0.1:11434/v1",
        ]);

        var response = await host.Admin.GetAsync("/api/settings", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var settings = JsonSerializer.Deserialize<List<EffectiveSetting>>(body, Web)!.ToDictionary(s => s.Key);

        // What was set, and what was left at its default.
        Assert.Equal(("06:15:00", true), (settings["Hubix:Schedule:DailyAt"].Value, settings["Hubix:Schedule:DailyAt"].Changed));
        Assert.Equal("daily_content_ready_hi", settings["Hubix:Templates:Daily:Languages:hi:Name"].Value);
        Assert.Equal("127.0.0.1", new Uri(settings["Hubix:Agent:Llm:Endpoint"].Value!).Host);
        Assert.False(settings["Hubix:WhatsApp:PairBurst"].Changed);
        Assert.Equal("10", settings["Hubix:WhatsApp:PairBurst"].Value);

        // Secrets: only whether they are set; none of their values anywhere in the answer.
        foreach (var key in new[] { "Hubix:WhatsApp:AppSecret", "Hubix:WhatsApp:AccessToken", "Hubix:WhatsApp:VerifyToken", "Hubix:AdminApiKey",
                     "Hubix:WhatsApp:PreviousAppSecret", "Hubix:Alerts:WebhookUrl" })
        {
            Assert.Equal(("set", true), (settings[key].Value, settings[key].Secret));
        }

        foreach (var secret in new[] { HubixTestHost.AppSecret, HubixTestHost.AccessToken, HubixTestHost.VerifyToken, HubixTestHost.AdminKey, previous,
                     "very-secret-path-token", "llm-password" })
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }

        // Admins only.
        var users = host.Services.GetRequiredService<UserService>();
        foreach (var (name, role) in new[] { ("vera", Roles.Viewer), ("otto", Roles.Operator) })
        {
            await users.AddAsync(name, role, "a-long-password-123", "test", Ct);
            var user = (await users.ListAsync(Ct)).Single(u => u.Name == name);
            using var client = new HttpClient { BaseAddress = host.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await users.CreateTokenAsync(user.Id, name, "test", Ct)).Token);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/settings", Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/api/settings", Ct)).StatusCode);
    }
}

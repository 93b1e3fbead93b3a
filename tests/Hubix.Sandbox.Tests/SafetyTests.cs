using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Tests;

public sealed class SafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://0.0.0.0:5090")]
    [InlineData("http://*:5090")]
    [InlineData("http://+:5090")]
    [InlineData("http://192.168.1.20:5090")]
    [InlineData("http://[::]:5090")]
    [InlineData("http://127.0.0.1:5090;http://0.0.0.0:5091")]
    [InlineData("http://sandbox.example.com:5090")]
    public void A_non_loopback_listen_address_is_refused_unless_remote_is_allowed(string urls)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook")).Build();

        var ex = Assert.Throws<SandboxListenException>(() => SandboxApp.Create(config, urls));
        Assert.Contains("--allow-remote", ex.Message, StringComparison.Ordinal);
        using var allowed = (IDisposable)SandboxApp.Create(config, urls, allowRemote: true); // built, not started
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://localhost:5090")]
    [InlineData("http://[::1]:5090")]
    public void Loopback_addresses_are_fine(string urls)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook")).Build();
        using var app = (IDisposable)SandboxApp.Create(config, urls);
    }

    private static SandboxOptions OptionsOf(Dictionary<string, string?> settings)
    {
        var app = SandboxApp.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), "http://127.0.0.1:0");
        return app.Services.GetRequiredService<IOptions<SandboxOptions>>().Value;
    }

    [Fact]
    public void Beside_a_production_configuration_the_sandbox_uses_its_own_secrets_never_the_configurations()
    {
        var production = SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook");
        production.Remove("Hubix:WhatsApp:GraphBaseUrl"); // Hubix would talk to Meta: these secrets are real ones
        var own = OptionsOf(production);
        Assert.True(own.GeneratedSecrets);
        Assert.NotEqual(SandboxHarness.Secret, own.AppSecret);
        Assert.NotEqual(SandboxHarness.Token, own.AccessToken);
        Assert.Equal(32, own.AppSecret.Length);

        production["Hubix:WhatsApp:GraphBaseUrl"] = "https://graph.facebook.com";
        Assert.NotEqual(SandboxHarness.Secret, OptionsOf(production).AppSecret);

        production["Hubix:Sandbox:AppSecret"] = "chosen-sandbox-secret";
        production["Hubix:Sandbox:AccessToken"] = "chosen-sandbox-token";
        var chosen = OptionsOf(production);
        Assert.Equal(("chosen-sandbox-secret", "chosen-sandbox-token", false), (chosen.AppSecret, chosen.AccessToken, chosen.GeneratedSecrets));

        // A development configuration (Hubix pointed at a loopback Graph) shares its secrets with the sandbox.
        var development = OptionsOf(SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook"));
        Assert.Equal((SandboxHarness.Secret, SandboxHarness.Token, false), (development.AppSecret, development.AccessToken, development.GeneratedSecrets));
    }

    [Fact]
    public async Task Control_posts_without_the_header_are_refused_and_change_nothing()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var bare = new HttpClient { BaseAddress = new Uri(h.BaseAddress) };

        // What a cross-site HTML form can send: a simple POST without custom headers.
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["body"] = "hi" });
        var text = await bare.PostAsync("/_sandbox/phones/919800000001/text", form, Ct);
        var plain = await bare.PostAsync("/_sandbox/phones/919800000001/text", new StringContent("{\"body\":\"hi\"}", System.Text.Encoding.UTF8, "text/plain"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
        var reset = await bare.PostAsync("/_sandbox/reset", null, Ct);
        var faults = await bare.PostAsync("/_sandbox/faults", SandboxHarness.JsonContent(new { sendErrorShare = 1.0 }), Ct);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (text.StatusCode, reset.StatusCode, faults.StatusCode));
        Assert.Contains(SandboxSafety.ControlHeader, await text.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/faults")).GetProperty("sendErrorShare").GetDouble());
        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/phones")).GetArrayLength());

        // Reads need no header; with it, control works.
        Assert.Equal(HttpStatusCode.OK, (await bare.GetAsync("/_sandbox/stats", Ct)).StatusCode);
        await h.PostJsonAsync("/_sandbox/phones/919800000001/text", new { body = "hi" });
        Assert.Equal(1, (await h.GetJsonAsync("/_sandbox/phones")).GetArrayLength());
    }
}

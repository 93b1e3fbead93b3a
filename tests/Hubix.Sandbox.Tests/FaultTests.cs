using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Tests;

public sealed class FaultTests
{
    private const string Phone = "16505551234";

    [Fact]
    public async Task Send_error_share_answers_500_and_accepts_nothing()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PostJsonAsync("/_sandbox/faults", new { sendErrorShare = 1.0 });
        using var response = await h.SendAsync(SandboxHarness.DailyTemplate(Phone));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(2, error.GetProperty("code").GetInt32());
        Assert.True(error.GetProperty("is_transient").GetBoolean());
        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/stats")).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Send_rate_limit_share_answers_130429()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PostJsonAsync("/_sandbox/faults", new { sendRateLimitShare = 1.0 });
        await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone), 130429);
    }

    [Fact]
    public async Task Faults_can_come_from_configuration()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:Faults:SendRateLimitShare"] = "1" });
        await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone), 130429);
        var faults = await h.GetJsonAsync("/_sandbox/faults");
        Assert.Equal(1.0, faults.GetProperty("sendRateLimitShare").GetDouble());
    }

    [Fact]
    public async Task Send_timeout_holds_the_answer_but_the_message_is_accepted()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PostJsonAsync("/_sandbox/faults", new { sendTimeoutShare = 1.0, sendTimeout = "00:01:00" });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var pending = h.Graph.PostAsync($"/{SandboxHarness.Version}/{SandboxHarness.PhoneNumberId}/messages",
            SandboxHarness.JsonContent(SandboxHarness.DailyTemplate(Phone)), cts.Token);
        await WebhookTests.WaitStatsAsync(h, s => s.GetProperty("sendsHeld").GetInt64() == 1);
        Assert.False(pending.IsCompleted);

        await cts.CancelAsync(); // the client gives up, as on a real timeout
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        var messages = await h.GetJsonAsync($"/_sandbox/phones/{Phone}/messages");
        var id = messages[0].GetProperty("id").GetString()!;
        await h.Receiver.WaitForStatusesAsync(id, "delivered");

        // a patient client gets its answer once the hold is over
        var second = h.SendAsync(SandboxHarness.DailyTemplate("16505550002"));
        await WebhookTests.WaitStatsAsync(h, s => s.GetProperty("sendsHeld").GetInt64() == 2);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        using var response = await second;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Duplicate_share_posts_every_webhook_twice()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PostJsonAsync("/_sandbox/faults", new { webhookDuplicateShare = 1.0 });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitAsync(l => l.Count == 6, "3 statuses twice");
        Assert.All(received.GroupBy(r => Convert.ToBase64String(r.Body)), g => Assert.Equal(2, g.Count()));
        Assert.Equal(2, received.SelectMany(r => r.Statuses).Count(s => s.GetProperty("id").GetString() == id && s.GetProperty("status").GetString() == "sent"));
        Assert.All(received, r => Assert.True(SandboxHarness.SignatureValid(r)));
    }

    [Fact]
    public async Task Reorder_share_posts_delivered_before_sent()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:ReadShare"] = "0" });
        await h.PostJsonAsync("/_sandbox/faults", new { webhookReorderShare = 1.0 });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered");
        Assert.Equal(["delivered", "sent"], received.SelectMany(r => r.Statuses).Select(s => s.GetProperty("status").GetString()).ToArray());
        var messages = await h.GetJsonAsync($"/_sandbox/phones/{Phone}/messages");
        Assert.Equal("delivered", messages[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_faults_statuses_come_in_order()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered", "read");
        Assert.Equal(["sent", "delivered", "read"], received.SelectMany(r => r.Statuses).Select(s => s.GetProperty("status").GetString()).ToArray());
        Assert.Equal(3, received.Count);
    }

    [Fact]
    public async Task Batch_size_puts_several_statuses_in_one_post()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PostJsonAsync("/_sandbox/faults", new { webhookBatchSize = 3 });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered", "read");
        var post = Assert.Single(received);
        Assert.Equal(3, post.Statuses.Count());
        Assert.True(SandboxHarness.SignatureValid(post));
    }

    [Fact]
    public async Task Unfilled_batch_is_sent_after_the_batch_window()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:ReadShare"] = "0" });
        await h.PostJsonAsync("/_sandbox/faults", new { webhookBatchSize = 10, webhookBatchWindow = "00:00:02" });
        var a = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var b = await h.SendOkAsync(SandboxHarness.DailyTemplate("16505550002"));
        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/stats")).GetProperty("webhooksEnqueued").GetInt64());
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var received = await h.Receiver.WaitForStatusesAsync(b, "sent", "delivered");
        var post = Assert.Single(received);
        Assert.Equal(4, post.Statuses.Count());
        Assert.Contains(post.Statuses, s => s.GetProperty("id").GetString() == a);
    }

    [Fact]
    public async Task Delay_share_holds_webhooks_until_the_delay_passes()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:ReadShare"] = "0" });
        await h.PostJsonAsync("/_sandbox/faults", new { webhookDelayShare = 1.0, webhookDelay = "00:00:30" });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        await WebhookTests.WaitStatsAsync(h, s => s.GetProperty("webhooksDelayed").GetInt64() == 2 && s.GetProperty("timersPending").GetInt32() == 2);
        Assert.Equal(0, h.Receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered");
    }

    [Fact]
    public async Task Fail_share_treats_a_delivery_as_failed_and_retries_it()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:ReadShare"] = "0" });
        await h.PostJsonAsync("/_sandbox/faults", new { webhookFailShare = 1.0 });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var stats = await WebhookTests.WaitStatsAsync(h, s => s.GetProperty("webhooksSent").GetInt64() == 2);
        Assert.Equal(2, stats.GetProperty("webhooksFailed").GetInt64());
        Assert.Equal(2, stats.GetProperty("webhooksRetried").GetInt64());
        Assert.Equal(4, h.Receiver.Requests);
        Assert.Equal(2, h.Receiver.Received.SelectMany(r => r.Statuses).Count(s => s.GetProperty("id").GetString() == id && s.GetProperty("status").GetString() == "sent"));
    }

    [Fact]
    public async Task Shares_are_deterministic_for_a_seed()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:MessagesPerSecond"] = "1000" });
        async Task<string> PatternAsync()
        {
            await h.PostJsonAsync("/_sandbox/faults", new { seed = 7, sendErrorShare = 0.5 });
            var chars = new List<char>();
            for (var i = 0; i < 20; i++)
            {
                using var r = await h.SendAsync(SandboxHarness.DailyTemplate("1650555" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)));
                chars.Add(r.IsSuccessStatusCode ? 'o' : 'x');
            }
            return new string([.. chars]);
        }
        var first = await PatternAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await PatternAsync();
        Assert.Equal(first, second);
        Assert.Contains('o', first);
        Assert.Contains('x', first);
    }

    [Fact]
    public async Task Invalid_faults_are_refused()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.Control.PostAsync("/_sandbox/faults", SandboxHarness.JsonContent(new { sendErrorShare = 1.5 }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("SendErrorShare", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

public sealed class OptionsTests
{
    [Theory]
    [InlineData("Hubix:WhatsApp:AccessToken", "", "Hubix:WhatsApp:AccessToken")]
    [InlineData("Hubix:WhatsApp:AppSecret", "", "Hubix:WhatsApp:AppSecret")]
    [InlineData("Hubix:Sandbox:ReadShare", "1.5", "Hubix:Sandbox:ReadShare")]
    [InlineData("Hubix:Sandbox:MessagesPerSecond", "0", "Hubix:Sandbox:MessagesPerSecond")]
    [InlineData("Hubix:Sandbox:PairRate:Burst", "0", "Hubix:Sandbox:PairRate:Burst")]
    [InlineData("Hubix:Sandbox:WebhookUrl", "not a url", "Hubix:Sandbox:WebhookUrl")]
    [InlineData("Hubix:Sandbox:Faults:WebhookDuplicateShare", "2", "Hubix:Sandbox:Faults:WebhookDuplicateShare")]
    public async Task Bad_configuration_fails_at_start_naming_the_key(string key, string value, string named)
    {
        var settings = SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook");
        settings[key] = value;
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var app = SandboxApp.Create(config, "http://127.0.0.1:0");
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_match_Metas_limits()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(SandboxHarness.BaseConfig("http://127.0.0.1:9/webhook")).Build();
        await using var app = SandboxApp.Create(config, "http://127.0.0.1:0");
        var o = ((IOptions<SandboxOptions>)app.Services.GetService(typeof(IOptions<SandboxOptions>))!).Value;
        Assert.Equal(80, o.MessagesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(6), o.PairRate.Interval);
        Assert.Equal(45, o.PairRate.Burst);
        Assert.Equal(SandboxHarness.Token, o.AccessToken);
        Assert.Equal(SandboxHarness.PhoneNumberId, o.PhoneNumberId);
    }
}

using System.Text.Json;

namespace Hubix.Sandbox.Tests;

public sealed class WebhookTests
{
    private const string Phone = "16505551234";

    [Fact]
    public async Task Template_gets_sent_delivered_read_webhooks_signed_and_in_Metas_shape()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered", "read");

        Assert.All(received, w => Assert.True(SandboxHarness.SignatureValid(w), "signature"));
        Assert.All(received, w => Assert.StartsWith("application/json", w.ContentType, StringComparison.Ordinal));
        var sent = received.Single(w => w.Statuses.Any(s => s.GetProperty("status").GetString() == "sent"));
        Shape.Same(Shape.Fixture("status-sent.json"), sent.Json);
        var root = sent.Json;
        Assert.Equal("whatsapp_business_account", root.GetProperty("object").GetString());
        Assert.Equal(SandboxHarness.Waba, root.GetProperty("entry")[0].GetProperty("id").GetString());
        var value = root.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value");
        Assert.Equal(SandboxHarness.PhoneNumberId, value.GetProperty("metadata").GetProperty("phone_number_id").GetString());
        Assert.Equal(SandboxHarness.Display, value.GetProperty("metadata").GetProperty("display_phone_number").GetString());
        var status = value.GetProperty("statuses")[0];
        Assert.Equal(Phone, status.GetProperty("recipient_id").GetString());
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), status.GetProperty("timestamp").GetString());
        Assert.Equal("utility", status.GetProperty("pricing").GetProperty("category").GetString());

        var delivered = received.Single(w => w.Statuses.Any(s => s.GetProperty("status").GetString() == "delivered"));
        Shape.Same(Shape.Fixture("status-delivered.json"), delivered.Json, "$", "type", "expiration_timestamp");
        var read = received.Single(w => w.Statuses.Any(s => s.GetProperty("status").GetString() == "read")).Statuses.Single();
        Assert.False(read.TryGetProperty("pricing", out _));
        var messages = await h.GetJsonAsync($"/_sandbox/phones/{Phone}/messages");
        Assert.Equal("read", messages[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_tampered_body_would_fail_the_signature_check()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var w = (await h.Receiver.WaitForStatusesAsync(id, "sent"))[0];
        var tampered = w with { Body = [.. w.Body[..^1], (byte)' '] };
        Assert.True(SandboxHarness.SignatureValid(w));
        Assert.False(SandboxHarness.SignatureValid(tampered));
    }

    [Fact]
    public async Task Biz_opaque_callback_data_is_echoed_in_every_status()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone, opaque: "send-42"));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered", "read");
        var statuses = received.SelectMany(r => r.Statuses).Where(s => s.GetProperty("id").GetString() == id).ToList();
        Assert.Equal(3, statuses.Count);
        Assert.All(statuses, s => Assert.Equal("send-42", s.GetProperty("biz_opaque_callback_data").GetString()));
    }

    [Fact]
    public async Task Read_share_zero_sends_no_read_status()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:ReadShare"] = "0" });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var marker = await h.SendOkAsync(SandboxHarness.DailyTemplate("16505550000"));
        var received = await h.Receiver.WaitForStatusesAsync(marker, "delivered");
        Assert.DoesNotContain(received.SelectMany(r => r.Statuses), s => s.GetProperty("status").GetString() == "read");
        Assert.Contains(received.SelectMany(r => r.Statuses), s => s.GetProperty("id").GetString() == id && s.GetProperty("status").GetString() == "delivered");
    }

    [Fact]
    public async Task Statuses_wait_for_the_configured_delays_on_the_time_provider()
    {
        await using var h = await SandboxHarness.StartAsync(new()
        {
            ["Hubix:Sandbox:StatusDelay"] = "00:00:01",
            ["Hubix:Sandbox:ReadDelay"] = "00:00:05",
        });
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var stats = await h.GetJsonAsync("/_sandbox/stats");
        Assert.Equal(0, stats.GetProperty("webhooksEnqueued").GetInt64());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Receiver.WaitForStatusesAsync(id, "sent");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Receiver.WaitForStatusesAsync(id, "delivered");
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, (await h.GetJsonAsync("/_sandbox/stats")).GetProperty("webhooksEnqueued").GetInt64());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Receiver.WaitForStatusesAsync(id, "read");
    }

    [Fact]
    public async Task Free_form_message_to_a_closed_window_is_accepted_then_fails_with_131047()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.Text(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "failed");

        var failed = received.Single(w => w.Statuses.Any(s => s.GetProperty("id").GetString() == id));
        Shape.Same(Shape.Fixture("status-failed-131047.zammad.json"), failed.Json);
        var error = failed.Statuses.Single().GetProperty("errors")[0];
        Assert.Equal(131047, error.GetProperty("code").GetInt32());
        Assert.Equal("Re-engagement message", error.GetProperty("title").GetString());
        Assert.DoesNotContain(received.SelectMany(r => r.Statuses), s => s.GetProperty("id").GetString() == id && s.GetProperty("status").GetString() != "failed");
        var messages = await h.GetJsonAsync($"/_sandbox/phones/{Phone}/messages");
        Assert.Equal("failed", messages[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Template_is_allowed_with_the_window_closed()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var received = await h.Receiver.WaitForStatusesAsync(id, "sent", "delivered");
        Assert.DoesNotContain(received.SelectMany(r => r.Statuses), s => s.GetProperty("status").GetString() == "failed");
        var sent = received.SelectMany(r => r.Statuses).First(s => s.GetProperty("status").GetString() == "sent");
        Assert.Equal("regular", sent.GetProperty("pricing").GetProperty("type").GetString());
        Assert.True(sent.GetProperty("pricing").GetProperty("billable").GetBoolean());
    }

    [Fact]
    public async Task Window_opens_when_the_phone_writes_and_closes_24_hours_later()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.OpenWindowAsync(Phone);
        var phones = await h.GetJsonAsync("/_sandbox/phones");
        Assert.Equal(h.Time.GetUtcNow().AddHours(24), phones[0].GetProperty("windowOpenUntil").GetDateTimeOffset());

        var inside = await h.SendOkAsync(SandboxHarness.Text(Phone));
        await h.Receiver.WaitForStatusesAsync(inside, "sent", "delivered");

        h.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var late = await h.SendOkAsync(SandboxHarness.Text(Phone));
        await h.Receiver.WaitForStatusesAsync(late, "delivered");

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var closed = await h.SendOkAsync(SandboxHarness.Text(Phone));
        await h.Receiver.WaitForStatusesAsync(closed, "failed");
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_at_once_then_with_backoff()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:Webhooks:RetryDelay"] = "00:00:10" });
        h.Receiver.Respond = n => n <= 3 ? 500 : 200;
        await h.SendOkAsync(SandboxHarness.Text(Phone));

        // attempt 1 fails, the immediate retry (attempt 2) fails, attempt 3 waits 10 s
        await WaitStatsAsync(h, s => s.GetProperty("webhooksFailed").GetInt64() == 2 && s.GetProperty("timersPending").GetInt32() == 1);
        Assert.Equal(2, h.Receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, (await h.GetJsonAsync("/_sandbox/stats")).GetProperty("timersPending").GetInt32());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitStatsAsync(h, s => s.GetProperty("webhooksFailed").GetInt64() == 3 && s.GetProperty("timersPending").GetInt32() == 1);
        Assert.Equal(3, h.Receiver.Requests);

        // then 20 s
        h.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(3, h.Receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitStatsAsync(h, s => s.GetProperty("webhooksSent").GetInt64() == 1);
        Assert.Equal(4, h.Receiver.Requests);
        Assert.Single(h.Receiver.Received.Select(r => Convert.ToBase64String(r.Body)).Distinct());
    }

    [Fact]
    public async Task Webhooks_are_abandoned_after_max_attempts()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:Webhooks:MaxAttempts"] = "2" });
        h.Receiver.Respond = _ => 503;
        await h.SendOkAsync(SandboxHarness.Text(Phone));
        await WaitStatsAsync(h, s => s.GetProperty("webhooksAbandoned").GetInt64() == 1);
        Assert.Equal(2, h.Receiver.Requests);
    }

    internal static async Task<JsonElement> WaitStatsAsync(SandboxHarness h, Func<JsonElement, bool> done)
    {
        var deadline = Environment.TickCount64 + 15_000;
        while (true)
        {
            var stats = await h.GetJsonAsync("/_sandbox/stats");
            if (done(stats)) return stats;
            if (Environment.TickCount64 > deadline) Assert.Fail("Timed out waiting for stats: " + stats.GetRawText());
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}

using System.Net;
using System.Text.Json;

namespace Hubix.Sandbox.Tests;

public sealed class PhoneTests
{
    private const string Phone = "16505551234";

    private static JsonElement InboundWebhook(IReadOnlyList<ReceivedWebhook> list, string id) =>
        list.Single(w => w.Messages.Any(m => m.GetProperty("id").GetString() == id)).Json;

    private static async Task<JsonElement> WaitInboundAsync(SandboxHarness h, string id) =>
        InboundWebhook(await h.Receiver.WaitAsync(l => l.SelectMany(r => r.Messages).Any(m => m.GetProperty("id").GetString() == id), "inbound " + id), id);

    [Fact]
    public async Task Tap_on_a_template_button_sends_a_button_webhook_with_the_payload_and_context()
    {
        await using var h = await SandboxHarness.StartAsync();
        var templateId = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone, payload: "content:2025-06-01"));

        var tap = await h.PostJsonAsync($"/_sandbox/phones/{Phone}/tap", new { messageId = templateId, button = "Retrieve Content" });
        var id = tap.GetProperty("id").GetString()!;
        var webhook = await WaitInboundAsync(h, id);

        Shape.Same(Shape.Fixture("inbound-template-quick-reply-button.json"), webhook);
        var value = webhook.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value");
        var message = value.GetProperty("messages")[0];
        Assert.Equal("button", message.GetProperty("type").GetString());
        Assert.Equal(templateId, message.GetProperty("context").GetProperty("id").GetString());
        Assert.Equal(SandboxHarness.Display, message.GetProperty("context").GetProperty("from").GetString());
        Assert.Equal(Phone, message.GetProperty("from").GetString());
        Assert.Equal("content:2025-06-01", message.GetProperty("button").GetProperty("payload").GetString());
        Assert.Equal("Retrieve Content", message.GetProperty("button").GetProperty("text").GetString());
        Assert.Equal(Phone, value.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
        Assert.StartsWith("wamid.", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tap_by_index_without_a_payload_sends_the_title_as_payload_and_opens_the_window()
    {
        await using var h = await SandboxHarness.StartAsync();
        var templateId = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone, name: "daily_content_menu_v1"));
        var id = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/tap", new { messageId = templateId, button = 2 })).GetProperty("id").GetString()!;
        var message = (await WaitInboundAsync(h, id)).GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0];
        Assert.Equal("Market Updates", message.GetProperty("button").GetProperty("payload").GetString());
        Assert.Equal("Market Updates", message.GetProperty("button").GetProperty("text").GetString());

        var phones = await h.GetJsonAsync("/_sandbox/phones");
        Assert.True(phones[0].GetProperty("windowOpen").GetBoolean());
        var content = await h.SendOkAsync(new { messaging_product = "whatsapp", to = Phone, type = "image", image = new { link = "https://example.com/x.png", caption = "today" } });
        await h.Receiver.WaitForStatusesAsync(content, "delivered");
    }

    [Fact]
    public async Task Tap_on_a_reply_button_sends_an_interactive_button_reply()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.OpenWindowAsync(Phone);
        var sent = await h.SendOkAsync(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "send-interactive-button-request.json")));
        var id = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/tap", new { messageId = sent, button = "Change" })).GetProperty("id").GetString()!;
        var webhook = await WaitInboundAsync(h, id);
        Shape.Same(Shape.Fixture("inbound-interactive-button-reply.json"), webhook);
        var message = webhook.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0];
        Assert.Equal("button_reply", message.GetProperty("interactive").GetProperty("type").GetString());
        Assert.Equal("change-button", message.GetProperty("interactive").GetProperty("button_reply").GetProperty("id").GetString());
        Assert.Equal("Change", message.GetProperty("interactive").GetProperty("button_reply").GetProperty("title").GetString());
        Assert.Equal(sent, message.GetProperty("context").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Tap_on_a_list_row_sends_a_list_reply()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.OpenWindowAsync(Phone);
        var sent = await h.SendOkAsync(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "send-interactive-list-request.json")));
        var id = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/tap", new { messageId = sent, button = "priority_express" })).GetProperty("id").GetString()!;
        var webhook = await WaitInboundAsync(h, id);
        Shape.Same(Shape.Fixture("inbound-interactive-list-reply.json"), webhook);
        var reply = webhook.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0].GetProperty("interactive").GetProperty("list_reply");
        Assert.Equal("Priority Mail Express", reply.GetProperty("title").GetString());
        Assert.Equal("Next Day to 2 Days", reply.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Tap_is_refused_for_unknown_messages_buttons_and_failed_messages()
    {
        await using var h = await SandboxHarness.StartAsync();
        var template = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        var failed = await h.SendOkAsync(new
        {
            messaging_product = "whatsapp", to = Phone, type = "interactive",
            interactive = new { type = "button", body = new { text = "x" }, action = new { buttons = new[] { new { type = "reply", reply = new { id = "a", title = "A" } } } } },
        });
        await h.Receiver.WaitForStatusesAsync(failed, "failed");
        async Task<HttpStatusCode> TapAsync(string phone, string messageId, string button)
        {
            using var r = await h.Control.PostAsync($"/_sandbox/phones/{phone}/tap", SandboxHarness.JsonContent(new { messageId, button }), TestContext.Current.CancellationToken);
            return r.StatusCode;
        }
        Assert.Equal(HttpStatusCode.NotFound, await TapAsync(Phone, "wamid.nope", "0"));
        Assert.Equal(HttpStatusCode.NotFound, await TapAsync("16505550000", template, "0"));
        Assert.Equal(HttpStatusCode.BadRequest, await TapAsync(Phone, template, "Nope"));
        Assert.Equal(HttpStatusCode.Conflict, await TapAsync(Phone, failed, "A"));
    }

    [Fact]
    public async Task Inbound_text_has_Metas_shape()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PostJsonAsync($"/_sandbox/phones/+1 650 555 1234/text", new { body = "Does it come in another color?" })).GetProperty("id").GetString()!;
        var webhook = await WaitInboundAsync(h, id);
        Shape.Same(Shape.Fixture("inbound-text.json"), webhook);
        var message = webhook.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0];
        Assert.Equal("Does it come in another color?", message.GetProperty("text").GetProperty("body").GetString());
        Assert.Equal(Phone, message.GetProperty("from").GetString());
    }

    [Fact]
    public async Task Inbound_image_has_Metas_shape_and_its_media_can_be_downloaded()
    {
        await using var h = await SandboxHarness.StartAsync();
        var bytes = new byte[] { 1, 2, 3, 4 };
        var created = await h.PostJsonAsync($"/_sandbox/phones/{Phone}/image", new { caption = "Taj Mahal", mimeType = "image/jpeg", base64 = Convert.ToBase64String(bytes) });
        var webhook = await WaitInboundAsync(h, created.GetProperty("id").GetString()!);
        Shape.Same(Shape.Fixture("inbound-image.json"), webhook);
        var image = webhook.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0].GetProperty("image");
        Assert.Equal(created.GetProperty("mediaId").GetString(), image.GetProperty("id").GetString());
        Assert.Equal(bytes, await h.Graph.GetByteArrayAsync(image.GetProperty("url").GetString(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Phone_messages_list_what_the_phone_received_in_order_with_status()
    {
        await using var h = await SandboxHarness.StartAsync();
        var a = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone, payload: "P"));
        await h.Receiver.WaitForStatusesAsync(a, "read");
        await h.OpenWindowAsync(Phone);
        var b = await h.SendOkAsync(SandboxHarness.Text(Phone, "second"));
        await h.Receiver.WaitForStatusesAsync(b, "read");

        var messages = await h.GetJsonAsync($"/_sandbox/phones/{Phone}/messages");
        Assert.Equal(2, messages.GetArrayLength());
        Assert.Equal(a, messages[0].GetProperty("id").GetString());
        Assert.Equal("template", messages[0].GetProperty("type").GetString());
        Assert.Equal("daily_content_ready_v1", messages[0].GetProperty("template").GetString());
        Assert.Equal(["p1", "p2", "p3"], messages[0].GetProperty("parameters").EnumerateArray().Select(p => p.GetString()).ToArray());
        Assert.Equal("Good morning! Your p1 content for p2 is ready: p3. Tap below to get it.", messages[0].GetProperty("text").GetString());
        Assert.Equal("Retrieve Content", messages[0].GetProperty("buttons")[0].GetProperty("title").GetString());
        Assert.Equal("P", messages[0].GetProperty("buttons")[0].GetProperty("payload").GetString());
        Assert.Equal("read", messages[0].GetProperty("status").GetString());
        Assert.Equal(b, messages[1].GetProperty("id").GetString());
        Assert.Equal("second", messages[1].GetProperty("text").GetString());

        var phones = await h.GetJsonAsync("/_sandbox/phones");
        Assert.Equal(Phone, phones[0].GetProperty("phone").GetString());
        Assert.Equal(2, phones[0].GetProperty("messages").GetInt32());
        Assert.Equal(3, (await h.GetJsonAsync($"/_sandbox/phones/{Phone}/chat")).GetArrayLength());
    }

    [Fact]
    public async Task Configured_phones_exist_at_start_with_their_window()
    {
        await using var h = await SandboxHarness.StartAsync(new()
        {
            ["Hubix:Sandbox:Phones:0:Phone"] = "+91 98765 43210",
            ["Hubix:Sandbox:Phones:0:Name"] = "Asha",
            ["Hubix:Sandbox:Phones:0:WindowOpen"] = "true",
        });
        var phones = await h.GetJsonAsync("/_sandbox/phones");
        Assert.Equal("919876543210", phones[0].GetProperty("phone").GetString());
        Assert.True(phones[0].GetProperty("windowOpen").GetBoolean());
        var id = await h.SendOkAsync(SandboxHarness.Text("919876543210"));
        await h.Receiver.WaitForStatusesAsync(id, "delivered");
    }

    [Fact]
    public async Task Reset_clears_phones_messages_and_stats()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
        await h.Receiver.WaitForStatusesAsync(id, "read");
        await h.PostJsonAsync("/_sandbox/faults", new { sendErrorShare = 1.0 });

        using var reset = await h.Control.PostAsync("/_sandbox/reset", null, TestContext.Current.CancellationToken);
        Assert.True(reset.IsSuccessStatusCode);

        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/phones")).GetArrayLength());
        var stats = await h.GetJsonAsync("/_sandbox/stats");
        Assert.Equal(0, stats.GetProperty("accepted").GetInt64());
        Assert.Equal(0, stats.GetProperty("webhooksSent").GetInt64());
        Assert.Equal(0, (await h.GetJsonAsync("/_sandbox/faults")).GetProperty("sendErrorShare").GetDouble());
        using var gone = await h.Control.GetAsync($"/_sandbox/phones/{Phone}/messages", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone));
    }

    [Fact]
    public async Task Page_is_served_and_never_uses_innerHTML()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.Control.GetAsync("/_sandbox/", TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/_sandbox/phones", html, StringComparison.Ordinal);
        Assert.Contains("textContent", html, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text.Json;

namespace Hubix.Sandbox.Tests;

public sealed class GraphSendTests
{
    private const string Phone = "+16505551234";

    [Fact]
    public async Task Send_text_answers_in_Metas_shape_with_a_wamid()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.SendAsync(SandboxHarness.Text(Phone));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Shape.Same(Shape.Fixture("send-response.json"), body);
        Assert.Equal("whatsapp", body.GetProperty("messaging_product").GetString());
        Assert.Equal(Phone, body.GetProperty("contacts")[0].GetProperty("input").GetString());
        Assert.Equal("16505551234", body.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
        Assert.StartsWith("wamid.", body.GetProperty("messages")[0].GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("send-text-request.json")]
    [InlineData("send-image-request.json")]
    [InlineData("send-interactive-button-request.json")]
    [InlineData("send-interactive-list-request.json")]
    public async Task Metas_sample_requests_are_accepted(string fixture)
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await h.SendOkAsync(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture)));
        Assert.StartsWith("wamid.", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_ids_are_unique()
    {
        await using var h = await SandboxHarness.StartAsync();
        var a = await h.SendOkAsync(SandboxHarness.Text(Phone));
        var b = await h.SendOkAsync(SandboxHarness.Text(Phone));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Unknown_template_is_132001()
    {
        await using var h = await SandboxHarness.StartAsync();
        var error = await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone, name: "no_such_template"), 132001);
        Assert.Contains("no_such_template", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_in_another_language_is_132001()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone, language: "en_US"), 132001);
    }

    [Fact]
    public async Task Template_that_is_not_approved_is_132001()
    {
        await using var h = await SandboxHarness.StartAsync(new()
        {
            ["Hubix:Sandbox:Templates:0:Name"] = "pending_one",
            ["Hubix:Sandbox:Templates:0:Status"] = "PENDING",
            ["Hubix:Sandbox:Templates:0:BodyParameterCount"] = "0",
        });
        await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone, name: "pending_one", parameters: 0), 132001);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(0)]
    public async Task Wrong_number_of_body_parameters_is_132000(int count)
    {
        await using var h = await SandboxHarness.StartAsync();
        var error = await h.ErrorAsync(SandboxHarness.DailyTemplate(Phone, parameters: count), 132000);
        Assert.Contains("body", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Named_template_parameters_are_checked_by_name()
    {
        await using var h = await SandboxHarness.StartAsync(new()
        {
            ["Hubix:Sandbox:Templates:0:Name"] = "order_confirmation",
            ["Hubix:Sandbox:Templates:0:Language"] = "en_US",
            ["Hubix:Sandbox:Templates:0:Body"] = "Thank you, {{first_name}}! Your order {{order_number}} is confirmed.",
        });
        await h.SendOkAsync(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "send-template-request-named.json")));
        var named = new
        {
            messaging_product = "whatsapp", to = Phone, type = "template",
            template = new
            {
                name = "order_confirmation", language = new { code = "en_US" },
                components = new[] { new { type = "body", parameters = new[] { new { type = "text", parameter_name = "first_name", text = "Jessica" }, new { type = "text", parameter_name = "order_numbr", text = "X" } } } },
            },
        };
        await h.ErrorAsync(named, 132000);
    }

    [Fact]
    public async Task Text_over_4096_characters_is_100_naming_the_field()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.SendOkAsync(SandboxHarness.Text(Phone, new string('a', 4096)));
        var error = await h.ErrorAsync(SandboxHarness.Text(Phone, new string('a', 4097)), 100);
        Assert.Contains("text['body']", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
        Shape.Same(Shape.Fixture("error-100-invalid-parameter.json").GetProperty("error"), error);
    }

    [Fact]
    public async Task Caption_over_1024_characters_is_100()
    {
        await using var h = await SandboxHarness.StartAsync();
        var body = new { messaging_product = "whatsapp", to = Phone, type = "image", image = new { link = "https://example.com/a.jpg", caption = new string('c', 1025) } };
        var error = await h.ErrorAsync(body, 100);
        Assert.Contains("image['caption']", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_by_link_with_caption_is_accepted_and_over_long_caption_is_not()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.SendOkAsync(new { messaging_product = "whatsapp", to = Phone, type = "document", document = new { link = "https://example.com/r.pdf", caption = "report", filename = "r.pdf" } });
        var error = await h.ErrorAsync(new { messaging_product = "whatsapp", to = Phone, type = "document", document = new { id = "123", caption = new string('c', 1025) } }, 100);
        Assert.Contains("document['caption']", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    private static object Buttons(params string[] titles) => new
    {
        messaging_product = "whatsapp", to = Phone, type = "interactive",
        interactive = new
        {
            type = "button", body = new { text = "Pick one" },
            action = new { buttons = titles.Select((t, i) => new { type = "reply", reply = new { id = "b" + i, title = t } }).ToArray() },
        },
    };

    [Fact]
    public async Task Button_title_over_20_characters_is_100_naming_the_button()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.SendOkAsync(Buttons(new string('t', 20)));
        var error = await h.ErrorAsync(Buttons("ok", new string('t', 21)), 100);
        Assert.Contains("['buttons'][1]['reply']['title']", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_than_3_reply_buttons_is_100()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.SendOkAsync(Buttons("a", "b", "c"));
        var error = await h.ErrorAsync(Buttons("a", "b", "c", "d"), 100);
        Assert.Contains("at most 3", error.GetProperty("error_data").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_token_is_190_with_401()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{SandboxHarness.Version}/{SandboxHarness.PhoneNumberId}/messages")
        {
            Content = SandboxHarness.JsonContent(SandboxHarness.Text(Phone)),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");
        using var response = await h.Control.SendAsync(request, TestContext.Current.CancellationToken);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(190, error.GetProperty("code").GetInt32());
        Assert.Equal("OAuthException", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("fbtrace_id", out _));
    }

    [Fact]
    public async Task Missing_token_is_190()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.Control.PostAsync($"/{SandboxHarness.Version}/{SandboxHarness.PhoneNumberId}/messages",
            SandboxHarness.JsonContent(SandboxHarness.Text(Phone)), TestContext.Current.CancellationToken);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal(190, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Unknown_phone_number_id_is_100()
    {
        await using var h = await SandboxHarness.StartAsync();
        var error = await h.ErrorAsync(SandboxHarness.Text(Phone), 100, phoneNumberId: "999999999");
        Assert.Contains("999999999", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(33, error.GetProperty("error_subcode").GetInt32());
    }

    [Fact]
    public async Task Read_receipt_for_an_inbound_message_succeeds()
    {
        await using var h = await SandboxHarness.StartAsync();
        var inbound = (await h.PostJsonAsync("/_sandbox/phones/16505551234/text", new { body = "hi" })).GetProperty("id").GetString();
        using var response = await h.SendAsync(new { messaging_product = "whatsapp", status = "read", message_id = inbound });
        Assert.Equal("{\"success\":true}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var chat = await h.GetJsonAsync("/_sandbox/phones/16505551234/chat");
        Assert.Equal("read", chat[0].GetProperty("status").GetString());
        await h.ErrorAsync(new { messaging_product = "whatsapp", status = "read", message_id = "wamid.nope" }, 100);
    }
}

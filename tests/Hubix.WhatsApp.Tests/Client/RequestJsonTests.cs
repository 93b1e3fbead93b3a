using System.Text.Json.Nodes;
using Hubix.WhatsApp.Messages;

namespace Hubix.WhatsApp.Tests.Client;

/// <summary>Our request bodies are structurally equal to Meta's documented examples (Fixtures/send-*.json).</summary>
public class RequestJsonTests
{
    private const string To = "+16505551234";

    [Fact]
    public void Text_matches_meta_example()
    {
        var m = OutboundMessage.Text(To, "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/", previewUrl: true);
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-text-request.json"), m.ToRequestJson());
    }

    [Fact]
    public void Text_without_preview_leaves_preview_url_out()
    {
        var json = JsonNode.Parse(OutboundMessage.Text("5511999990000", "hi").ToRequestJson())!;
        Assert.Null(json["text"]!["preview_url"]);
        Assert.Equal("hi", (string?)json["text"]!["body"]);
    }

    [Fact]
    public void Image_matches_meta_example()
    {
        var m = OutboundMessage.Image(To, MediaSource.FromId("1479537139650973"), "The best succulent ever?");
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-image-request.json"), m.ToRequestJson());
    }

    [Fact]
    public void Document_by_link_with_caption_and_filename()
    {
        var m = OutboundMessage.Document("5511999990000", MediaSource.FromLink("https://example.com/report.pdf"), "Your report", "report.pdf");
        Assert.Empty(m.Validate());
        var expected = JsonNode.Parse("""
            {"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990000","type":"document",
             "document":{"link":"https://example.com/report.pdf","caption":"Your report","filename":"report.pdf"}}
            """)!;
        Fixture.AssertJsonEqual(expected, m.ToRequestJson());
    }

    [Fact]
    public void Reply_buttons_match_meta_example()
    {
        var m = OutboundMessage.ReplyButtons(
            To,
            "Hi Pablo! Your gardening workshop is scheduled for 9am tomorrow. Use the buttons if you need to reschedule. Thank you!",
            [new ReplyButton("change-button", "Change"), new ReplyButton("cancel-button", "Cancel")],
            InteractiveHeader.Image(MediaSource.FromId("2762702990552401")),
            "Lucky Shrub: Your gateway to succulents!™");
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-interactive-button-request.json"), m.ToRequestJson());
    }

    [Fact]
    public void Reply_buttons_with_text_header()
    {
        var m = OutboundMessage.ReplyButtons("5511999990000", "Confirm?", [new ReplyButton("yes", "Yes")], InteractiveHeader.Text("Meeting"));
        var header = JsonNode.Parse(m.ToRequestJson())!["interactive"]!["header"]!;
        Fixture.AssertJsonEqual(JsonNode.Parse("""{"type":"text","text":"Meeting"}""")!, header.ToJsonString());
    }

    [Fact]
    public void List_matches_meta_example()
    {
        var m = OutboundMessage.List(
            To,
            "Which shipping option do you prefer?",
            "Shipping Options",
            [
                new ListSection("I want it ASAP!",
                [
                    new ListRow("priority_express", "Priority Mail Express", "Next Day to 2 Days"),
                    new ListRow("priority_mail", "Priority Mail", "1–3 Days"),
                ]),
                new ListSection("I can wait a bit",
                [
                    new ListRow("usps_ground_advantage", "USPS Ground Advantage", "2–5 Days"),
                    new ListRow("media_mail", "Media Mail", "2–8 Days"),
                ]),
            ],
            headerText: "Choose Shipping Option",
            footer: "Lucky Shrub: Your gateway to succulents™");
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-interactive-list-request.json"), m.ToRequestJson());
    }

    [Fact]
    public void Positional_template_matches_meta_example()
    {
        var m = OutboundMessage.Template(To, "order_confirmation", "en_US", ["Jessica", "SKBUP2-4CPIG9"]);
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-template-request-positional.json"), m.ToRequestJson());
    }

    [Fact]
    public void Named_template_matches_meta_example()
    {
        var m = OutboundMessage.TemplateNamed(To, "order_confirmation", "en_US",
            [new("first_name", "Jessica"), new("order_number", "SKBUP2-4CPIG9")]);
        Assert.Empty(m.Validate());
        Fixture.AssertJsonEqual(Fixture.Node("send-template-request-named.json"), m.ToRequestJson());
    }

    [Fact]
    public void Template_with_image_header_body_and_quick_replies_matches_the_sdk_template_object()
    {
        // The Node.js SDK example carries examples we don't produce: language.policy and currency/date_time body
        // parameters. Remove them, then the rest must be equal.
        var expected = Fixture.Node("template-object-quick-reply-buttons-nodejs-sdk.json");
        expected["language"]!.AsObject().Remove("policy");
        var bodyParams = expected["components"]![1]!["parameters"]!.AsArray();
        bodyParams.RemoveAt(2);
        bodyParams.RemoveAt(1);

        var m = OutboundMessage.Template("16505551234", "TEMPLATE_NAME", "LANGUAGE_AND_LOCALE_CODE",
            ["TEXT_STRING"], ["PAYLOAD", "PAYLOAD"], TemplateHeaderParameter.Image(MediaSource.FromLink("http(s)://URL")));

        Fixture.AssertJsonEqual(expected, JsonNode.Parse(m.ToRequestJson())!["template"]!.ToJsonString());
    }

    [Fact]
    public void Template_document_header_and_no_parameters()
    {
        var m = OutboundMessage.Template("5511999990000", "monthly_report", "pt_BR",
            header: TemplateHeaderParameter.Document(MediaSource.FromId("123"), "report.pdf"));
        var expected = JsonNode.Parse("""
            {"name":"monthly_report","language":{"code":"pt_BR"},"components":[
              {"type":"header","parameters":[{"type":"document","document":{"id":"123","filename":"report.pdf"}}]}]}
            """)!;
        Fixture.AssertJsonEqual(expected, JsonNode.Parse(m.ToRequestJson())!["template"]!.ToJsonString());

        var bare = JsonNode.Parse(OutboundMessage.Template("5511999990000", "hello_world", "en_US").ToRequestJson())!;
        Assert.Null(bare["template"]!["components"]);
    }

    [Fact]
    public void Mark_as_read_body()
    {
        Fixture.AssertJsonEqual(
            JsonNode.Parse("""{"messaging_product":"whatsapp","status":"read","message_id":"wamid.ABC"}""")!,
            OutboundMessage.MarkAsRead("wamid.ABC").ToRequestJson());
        Fixture.AssertJsonEqual(
            JsonNode.Parse("""{"messaging_product":"whatsapp","status":"read","message_id":"wamid.ABC","typing_indicator":{"type":"text"}}""")!,
            OutboundMessage.MarkAsRead("wamid.ABC", showTypingIndicator: true).ToRequestJson());
    }

    [Fact]
    public void Reply_context_is_written()
    {
        var m = OutboundMessage.Text("5511999990000", "ok") with { ReplyToMessageId = "wamid.IN" };
        Assert.Equal("wamid.IN", (string?)JsonNode.Parse(m.ToRequestJson())!["context"]!["message_id"]);
    }

    // ---- callback data ---------------------------------------------------------------------------------------

    [Fact]
    public void Callback_data_is_added_by_ToRequestJson()
    {
        var expected = Fixture.Node("send-text-request.json");
        expected["biz_opaque_callback_data"] = "outbox:42";
        var m = OutboundMessage.Text(To, (string)expected["text"]!["body"]!, previewUrl: true);
        Fixture.AssertJsonEqual(expected, m.ToRequestJson("outbox:42"));
    }

    [Fact]
    public void WithCallbackData_adds_the_field_to_stored_json_and_keeps_the_rest()
    {
        var stored = Fixture.Read("send-interactive-list-request.json");
        var expected = JsonNode.Parse(stored)!;
        expected["biz_opaque_callback_data"] = "outbox:7|attempt:2 \"quoted\" ção";

        Fixture.AssertJsonEqual(expected, OutboundMessage.WithCallbackData(stored, "outbox:7|attempt:2 \"quoted\" ção"));
    }

    [Fact]
    public void WithCallbackData_replaces_an_existing_value()
    {
        var first = OutboundMessage.Text("5511999990000", "hi").ToRequestJson("old");
        var second = OutboundMessage.WithCallbackData(first, "new");
        var node = JsonNode.Parse(second)!.AsObject();
        Assert.Equal("new", (string?)node["biz_opaque_callback_data"]);
        Assert.Single(node, p => p.Key == "biz_opaque_callback_data");
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    public void WithCallbackData_rejects_non_objects(string json) =>
        Assert.Throws<ArgumentException>(() => OutboundMessage.WithCallbackData(json, "x"));

    [Fact]
    public void Callback_data_limit_is_512()
    {
        var json = OutboundMessage.Text("5511999990000", "hi").ToRequestJson();
        OutboundMessage.WithCallbackData(json, new string('a', 512));
        Assert.Throws<ArgumentException>(() => OutboundMessage.WithCallbackData(json, new string('a', 513)));
        Assert.Throws<ArgumentException>(() => OutboundMessage.WithCallbackData(json, ""));
        Assert.Throws<ArgumentException>(() => OutboundMessage.Text("5511999990000", "hi").ToRequestJson(new string('a', 513)));
        Assert.Throws<ArgumentException>(() => OutboundMessage.MarkAsRead("wamid.X").ToRequestJson("cb"));
    }
}

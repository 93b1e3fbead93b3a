using System.Text;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.WhatsApp.Tests.Webhooks;

public class WebhookParserTests
{
    private static WebhookParseResult ParseFixture(string name) =>
        WebhookParser.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)));

    private static WebhookParseResult ParseJson(string json) => WebhookParser.Parse(Encoding.UTF8.GetBytes(json));

    public static TheoryData<string, string, string?> InboundSamples => new()
    {
        { "inbound-text.json", "text", null },
        { "inbound-template-quick-reply-button.json", "button", "Unsubscribe" },
        { "inbound-template-quick-reply-button-custom-payload.pywa.json", "button", "callback_data" },
        { "inbound-interactive-button-reply.json", "button_reply", null },
        { "inbound-interactive-list-reply.json", "list_reply", "priority_express" },
        { "inbound-image.json", "image", null },
        { "inbound-document.json", "document", null },
        { "inbound-location.json", "location", null },
        { "inbound-contacts.json", "contacts", null },
    };

    [Theory]
    [MemberData(nameof(InboundSamples))]
    public void Every_inbound_sample_parses_into_one_classified_message(string file, string kind, string? payload)
    {
        var result = ParseFixture(file);

        Assert.True(result.IsEnvelope);
        Assert.Empty(result.Malformed);
        var message = Assert.IsType<InboundMessage>(Assert.Single(result.Events));
        Assert.Equal(kind, message.Kind);
        Assert.False(string.IsNullOrEmpty(message.MessageId));
        Assert.NotNull(message.Timestamp);
        Assert.True(message.From is not null || message.UserId is not null);
        if (payload is not null)
        {
            Assert.Equal(payload, message.Payload);
        }
    }

    [Fact]
    public void Template_tap_carries_the_template_wamid_as_context()
    {
        var tap = (InboundMessage)ParseFixture("inbound-template-quick-reply-button.json").Events[0];
        Assert.Equal("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=", tap.ContextId);
        Assert.Equal("15550783881", tap.ContextFrom);
        Assert.Equal("Unsubscribe", tap.Text);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1750091045), tap.Timestamp);
        Assert.Equal("msg:" + tap.MessageId, tap.DedupeKey);
    }

    [Fact]
    public void Custom_payload_differs_from_the_button_text_and_the_user_id_is_kept()
    {
        var tap = (InboundMessage)ParseFixture("inbound-template-quick-reply-button-custom-payload.pywa.json").Events[0];
        Assert.Equal("callback_data", tap.Payload);
        Assert.Equal("title", tap.Text);
        Assert.NotNull(tap.UserId);
    }

    public static TheoryData<string, string, int?> StatusSamples => new()
    {
        { "status-sent.json", "sent", null },
        { "status-sent-v24-no-conversation.json", "sent", null },
        { "status-delivered.json", "delivered", null },
        { "status-failed-131049.json", "failed", 131049 },
        { "status-failed-131047.zammad.json", "failed", 131047 },
    };

    [Theory]
    [MemberData(nameof(StatusSamples))]
    public void Every_status_sample_parses_with_its_status_and_error(string file, string status, int? code)
    {
        var result = ParseFixture(file);

        var s = Assert.IsType<MessageStatus>(Assert.Single(result.Events));
        Assert.Equal(status, s.Status);
        Assert.Equal($"status:{s.MessageId}:{status}", s.DedupeKey);
        if (code is null)
        {
            Assert.Empty(s.Errors);
        }
        else
        {
            Assert.Equal(code, Assert.Single(s.Errors).Code);
            Assert.False(string.IsNullOrEmpty(s.Errors[0].Details));
        }
    }

    [Fact]
    public void Every_entry_change_message_and_status_in_a_batch_is_read()
    {
        const string message = "{{\"from\":\"911\",\"id\":\"wamid.A{0}\",\"timestamp\":\"1750091045\",\"type\":\"text\",\"text\":{{\"body\":\"hi {0}\"}}}}";
        const string status = "{{\"id\":\"wamid.S{0}\",\"status\":\"read\",\"timestamp\":\"1750091045\",\"recipient_id\":\"911\"}}";
        string Change(int i) =>
            "{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":\"1\"},\"messages\":["
            + string.Format(null, message, i) + "," + string.Format(null, message, i + 100) + "],\"statuses\":[" + string.Format(null, status, i) + "]}}";
        var json = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"w\",\"changes\":[" + Change(1) + "," + Change(2)
            + "]},{\"id\":\"w\",\"changes\":[" + Change(3) + "]}]}";

        var result = ParseJson(json);

        Assert.Equal(6, result.Events.OfType<InboundMessage>().Count());
        Assert.Equal(3, result.Events.OfType<MessageStatus>().Count());
        Assert.Equal(9, result.Events.Select(e => e.DedupeKey).Distinct().Count());
    }

    public static TheoryData<string, string, string?> OtherShapes => new()
    {
        { """{"type":"audio","audio":{"id":"m1","mime_type":"audio/ogg","voice":true}}""", "audio", "m1" },
        { """{"type":"video","video":{"id":"v1","mime_type":"video/mp4"}}""", "video", "v1" },
        { """{"type":"sticker","sticker":{"id":"s1","animated":false}}""", "sticker", "s1" },
        { """{"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}""", "reaction", "👍" },
        { """{"type":"reaction","reaction":{"message_id":"wamid.X"}}""", "reaction", "" },
        { """{"type":"system","system":{"body":"changed","wa_id":"2","type":"user_changed_number"}}""", "system", "user_changed_number" },
        { """{"type":"unsupported","unsupported":{"type":"poll_creation"},"errors":[{"code":131051,"title":"Message type unknown"}]}""", "unsupported", "poll_creation" },
        { """{"type":"order","order":{"catalog_id":"c1","product_items":[]}}""", "order", "c1" },
        { """{"type":"brand_new_type","brand_new_type":{}}""", "unsupported", "brand_new_type" },
        { """{"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{}","body":"Sent","name":"flow"}}}""", "nfm_reply", "{}" },
    };

    [Theory]
    [MemberData(nameof(OtherShapes))]
    public void Shapes_not_in_the_samples_are_classified(string messageTail, string kind, string? payload)
    {
        var json = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"w\",\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},\"messages\":[{\"from\":\"911\",\"id\":\"wamid.Z\",\"timestamp\":\"1750091045\","
            + messageTail.TrimStart('{') + "]}}]}]}";

        var m = Assert.IsType<InboundMessage>(Assert.Single(ParseJson(json).Events));

        Assert.Equal(kind, m.Kind);
        Assert.Equal(payload, m.Payload);
    }

    [Fact]
    public void Message_with_only_a_business_scoped_user_id_is_kept()
    {
        const string json = """
        {"object":"whatsapp_business_account","entry":[{"id":"w","changes":[{"field":"messages","value":{
          "metadata":{"phone_number_id":"1"},
          "contacts":[{"profile":{"username":"@asha"},"user_id":"IN.12345"}],
          "messages":[{"from_user_id":"IN.12345","id":"wamid.U","timestamp":"1750091045","type":"text","text":{"body":"hi"}}]}}]}]}
        """;

        var m = Assert.IsType<InboundMessage>(Assert.Single(ParseJson(json).Events));

        Assert.Null(m.From);
        Assert.Equal("IN.12345", m.UserId);
        Assert.Equal("@asha", m.ProfileName);
    }

    [Fact]
    public void Other_fields_and_value_errors_are_recorded_not_dropped()
    {
        const string json = """
        {"object":"whatsapp_business_account","entry":[{"id":"w","time":1750091045,"changes":[
          {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1,"message_template_name":"daily_content_ready_v1","message_template_language":"en","reason":"NONE"}},
          {"field":"messages","value":{"metadata":{"phone_number_id":"1"},"errors":[{"code":131000,"title":"Something went wrong"}]}},
          {"field":"user_preferences","value":{"user_preferences":[{"wa_id":"911","category":"marketing_messages","value":"stop","timestamp":1750091045}]}}
        ]}]}
        """;

        var events = ParseJson(json).Events.Cast<OtherEvent>().ToList();

        Assert.Equal(["message_template_status_update", "errors", "user_preferences"], events.Select(e => e.Field));
        Assert.Contains("APPROVED", events[0].Summary, StringComparison.Ordinal);
        Assert.Contains("131000", events[1].Summary, StringComparison.Ordinal);
        Assert.Equal("911", events[2].WaId);
        Assert.Equal("marketing_messages stop", events[2].Summary);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"object\":\"page\",\"entry\":[]}")]
    [InlineData("{\"object\":\"whatsapp_business_account\"}")]
    [InlineData("{\"object\":\"whatsapp_business_account\",\"entry\":{}}")]
    public void Bad_envelopes_are_named(string json)
    {
        Assert.False(ParseJson(json).IsEnvelope);
        Assert.NotNull(WebhookParser.ValidateEnvelope(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Items_without_ids_are_reported_as_malformed_and_the_rest_still_parse()
    {
        const string json = """
        {"object":"whatsapp_business_account","entry":[{"id":"w","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},
          "messages":[{"from":"911","timestamp":"1","type":"text","text":{"body":"x"}}, 42, {"from":"911","id":"wamid.ok","type":"text","text":{"body":"y"}}],
          "statuses":[{"status":"read"},{"id":"wamid.s"}]}}]}]}
        """;

        var result = ParseJson(json);

        Assert.Equal("wamid.ok", Assert.IsType<InboundMessage>(Assert.Single(result.Events)).MessageId);
        Assert.Equal(4, result.Malformed.Count);
        Assert.Null(((InboundMessage)result.Events[0]).Timestamp);
    }

    [Fact]
    public void Deep_nesting_is_refused_cleanly()
    {
        var deep = new string('[', 200) + new string(']', 200);
        var json = "{\"object\":\"whatsapp_business_account\",\"entry\":" + deep + "}";
        Assert.False(ParseJson(json).IsEnvelope);
    }
}

using Hubix.WhatsApp.Webhooks;

namespace Hubix.Sandbox.Tests;

/// <summary>Every webhook the sandbox sends is read by Hubix's own parser, signed as Meta signs, and classified right.</summary>
public sealed class ParserConformanceTests
{
    private const string Phone = "16505550100";

    [Fact]
    public async Task Sandbox_webhooks_parse_with_the_hubix_parser_and_verify_with_the_app_secret()
    {
        await using var h = await SandboxHarness.StartAsync();
        var template = await h.SendOkAsync(SandboxHarness.DailyTemplate(Phone, payload: "RETRIEVE_CONTENT:2025-06-01", opaque: "77"));
        var tap = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/tap", new { messageId = template, button = "Retrieve Content" })).GetProperty("id").GetString()!;
        var text = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/text", new { body = "what is the nifty outlook?" })).GetProperty("id").GetString()!;
        var image = (await h.PostJsonAsync($"/_sandbox/phones/{Phone}/image", new { caption = "my chart" })).GetProperty("id").GetString()!;
        var reply = await h.SendOkAsync(SandboxHarness.Text(Phone, "thanks"));

        var received = await h.Receiver.WaitAsync(
            list =>
            {
                var events = list.SelectMany(w => WebhookParser.Parse(w.Body).Events).ToList();
                return events.OfType<InboundMessage>().Count() >= 3
                    && events.OfType<MessageStatus>().Count(s => s.MessageId == template) >= 2
                    && events.OfType<MessageStatus>().Any(s => s.MessageId == reply);
            },
            "the tap, the text, the image and the statuses");

        foreach (var webhook in received)
        {
            Assert.True(WebhookSignature.IsValid(webhook.Body, webhook.Signature, System.Text.Encoding.UTF8.GetBytes(SandboxHarness.Secret)));
            var parsed = WebhookParser.Parse(webhook.Body);
            Assert.True(parsed.IsEnvelope, parsed.EnvelopeError);
            Assert.Empty(parsed.Malformed);
        }

        var all = received.SelectMany(w => WebhookParser.Parse(w.Body).Events).ToList();
        var inbound = all.OfType<InboundMessage>().ToDictionary(m => m.MessageId);
        Assert.Equal("button", inbound[tap].Kind);
        Assert.Equal("RETRIEVE_CONTENT:2025-06-01", inbound[tap].Payload);
        Assert.Equal(template, inbound[tap].ContextId);
        Assert.Equal(Phone, inbound[tap].From);
        Assert.NotNull(inbound[tap].Timestamp);
        Assert.Equal("text", inbound[text].Kind);
        Assert.Equal("what is the nifty outlook?", inbound[text].Payload);
        Assert.Equal("image", inbound[image].Kind);
        Assert.Equal("my chart", inbound[image].Text);
        var statuses = all.OfType<MessageStatus>().Where(s => s.MessageId == template).ToList();
        Assert.All(statuses, s => Assert.Equal("77", s.BizOpaqueCallbackData));
        Assert.Contains(statuses, s => s.Status == "sent");
        Assert.Contains(statuses, s => s.Status == "delivered");
        Assert.Contains(all.OfType<MessageStatus>(), s => s.MessageId == reply && s.Status is "sent" or "delivered");
    }
}

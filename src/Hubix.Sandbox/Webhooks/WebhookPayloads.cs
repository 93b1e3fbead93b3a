using System.Globalization;
using System.Text.Json;
using Hubix.Sandbox.Graph;
using Hubix.Sandbox.Phones;

namespace Hubix.Sandbox.Webhooks;

/// <summary>A status change of an outbound message, at the moment it happened.</summary>
internal sealed record StatusEvent(OutboundMessage Message, MessageStatus Status, DateTimeOffset At);

/// <summary>Builds webhook bodies in Meta's envelope (REFERENCE §3–§5), byte for byte what gets signed and sent.</summary>
internal static class WebhookPayloads
{
    public const string ErrorHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    public static byte[] Statuses(SandboxOptions o, IReadOnlyList<StatusEvent> events) => Envelope(o, w =>
    {
        w.WriteStartArray("statuses");
        foreach (var e in events) WriteStatus(w, e);
        w.WriteEndArray();
    });

    public static byte[] Inbound(SandboxOptions o, Phone phone, InboundMessage m, Action<Utf8JsonWriter> writeBody) => Envelope(o, w =>
    {
        w.WriteStartArray("contacts");
        w.WriteStartObject();
        w.WriteStartObject("profile");
        w.WriteString("name", phone.Name);
        w.WriteEndObject();
        w.WriteString("wa_id", phone.WaId);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("messages");
        w.WriteStartObject();
        if (m.ContextId is not null)
        {
            w.WriteStartObject("context");
            w.WriteString("from", o.DisplayPhoneNumber);
            w.WriteString("id", m.ContextId);
            w.WriteEndObject();
        }
        w.WriteString("from", phone.WaId);
        w.WriteString("id", m.Id);
        w.WriteString("timestamp", Unix(m.At));
        w.WriteString("type", m.Type);
        writeBody(w);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    public static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static byte[] Envelope(SandboxOptions o, Action<Utf8JsonWriter> writeValue)
    {
        using var buffer = new PooledWriter();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("object", "whatsapp_business_account");
        w.WriteStartArray("entry");
        w.WriteStartObject();
        w.WriteString("id", o.BusinessAccountId);
        w.WriteStartArray("changes");
        w.WriteStartObject();
        w.WriteStartObject("value");
        w.WriteString("messaging_product", "whatsapp");
        w.WriteStartObject("metadata");
        w.WriteString("display_phone_number", o.DisplayPhoneNumber);
        w.WriteString("phone_number_id", o.PhoneNumberId);
        w.WriteEndObject();
        writeValue(w);
        w.WriteEndObject();
        w.WriteString("field", "messages");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        return buffer.ToArray();
    }

    private static void WriteStatus(Utf8JsonWriter w, StatusEvent e)
    {
        var m = e.Message;
        w.WriteStartObject();
        w.WriteString("id", m.Id);
        w.WriteString("status", e.Status switch
        {
            MessageStatus.Sent => "sent",
            MessageStatus.Delivered => "delivered",
            MessageStatus.Read => "read",
            MessageStatus.Failed => "failed",
            _ => "accepted",
        });
        w.WriteString("timestamp", Unix(e.At));
        w.WriteString("recipient_id", m.Phone.WaId);
        if (m.BizOpaqueCallbackData is not null) w.WriteString("biz_opaque_callback_data", m.BizOpaqueCallbackData);
        if (e.Status is MessageStatus.Sent or MessageStatus.Delivered)
        {
            // Meta: conversation and pricing come with `sent` and one of delivered/read; the sandbox uses delivered.
            w.WriteStartObject("conversation");
            w.WriteString("id", m.ConversationId);
            if (e.Status == MessageStatus.Sent) w.WriteString("expiration_timestamp", Unix(e.At.AddHours(24)));
            w.WriteStartObject("origin");
            w.WriteString("type", m.PricingCategory);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("pricing");
            w.WriteBoolean("billable", string.Equals(m.PricingType, "regular", StringComparison.Ordinal));
            w.WriteString("pricing_model", "PMP");
            w.WriteString("type", m.PricingType);
            w.WriteString("category", m.PricingCategory);
            w.WriteEndObject();
        }
        if (e.Status == MessageStatus.Failed)
        {
            w.WriteStartArray("errors");
            w.WriteStartObject();
            w.WriteNumber("code", 131047);
            w.WriteString("title", "Re-engagement message");
            w.WriteString("message", "Re-engagement message");
            w.WriteStartObject("error_data");
            w.WriteString("details", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.");
            w.WriteEndObject();
            w.WriteString("href", ErrorHref);
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hubix.WhatsApp.Webhooks;

/// <summary>The outcome of reading one webhook body.</summary>
public sealed record WebhookParseResult(
    string? EnvelopeError,
    IReadOnlyList<WebhookEvent> Events,
    IReadOnlyList<MalformedItem> Malformed)
{
    public bool IsEnvelope => EnvelopeError is null;
}

/// <summary>
/// Reads Meta's webhook envelope into events. It walks every entry, every change, every message and status
/// (batches of up to 1,000 exist), and it is lenient about what Meta may vary (ids as numbers, missing
/// optional blocks, unknown types) and strict only about what it cannot do without: a JSON object whose
/// <c>object</c> is <c>whatsapp_business_account</c> with an <c>entry</c> array.
/// </summary>
public static class WebhookParser
{
    public const string ExpectedObject = "whatsapp_business_account";
    private const int MaxDepth = 64;

    /// <summary>Longest message id we accept (Meta's wamids are under 100 characters); longer items are dead-lettered.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest phone / wa_id (E.164 has at most 15 digits; room for odd but real values).</summary>
    public const int MaxPhoneLength = 64;

    /// <summary>Longest business-scoped user id (Meta: a country code, a dot and up to 128 characters).</summary>
    public const int MaxUserIdLength = 160;

    private const string InvalidUtf8 = "body is not valid UTF-8";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Checks only the envelope, cheaply: what the request path needs before it stores the body.</summary>
    public static string? ValidateEnvelope(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return InvalidUtf8;
        }

        try
        {
            using var doc = JsonDocument.Parse(body, DocumentOptions);
            return EnvelopeError(doc.RootElement);
        }
        catch (JsonException ex)
        {
            return "body is not valid JSON: " + ex.Message;
        }
    }

    public static WebhookParseResult Parse(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return new WebhookParseResult(InvalidUtf8, [], []);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return new WebhookParseResult("body is not valid JSON: " + ex.Message, [], []);
        }

        using (doc)
        {
            var root = doc.RootElement;
            var error = EnvelopeError(root);
            if (error is not null)
            {
                return new WebhookParseResult(error, [], []);
            }

            var events = new List<WebhookEvent>();
            var malformed = new List<MalformedItem>();
            foreach (var entry in root.GetProperty("entry").EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    malformed.Add(new MalformedItem("entry is not an object", entry.GetRawText()));
                    continue;
                }

                if (!entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
                {
                    malformed.Add(new MalformedItem("entry has no changes array", entry.GetRawText()));
                    continue;
                }

                foreach (var change in changes.EnumerateArray())
                {
                    ReadChange(change, events, malformed);
                }
            }

            return new WebhookParseResult(null, events, malformed);
        }
    }

    private static string? EnvelopeError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "body is not a JSON object";
        }

        if (!root.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.String)
        {
            return "missing \"object\"";
        }

        var value = Clean(obj.GetString());
        if (!string.Equals(value, ExpectedObject, StringComparison.Ordinal))
        {
            var shown = value is { Length: > 100 } ? value[..100] + "…" : value;
            return $"\"object\" is \"{shown}\", expected \"{ExpectedObject}\"";
        }

        if (!root.TryGetProperty("entry", out var entry) || entry.ValueKind != JsonValueKind.Array)
        {
            return "missing \"entry\" array";
        }

        return null;
    }

    private static void ReadChange(JsonElement change, List<WebhookEvent> events, List<MalformedItem> malformed)
    {
        if (change.ValueKind != JsonValueKind.Object || !change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
        {
            malformed.Add(new MalformedItem("change has no value object", change.GetRawText()));
            return;
        }

        var field = Str(change, "field") ?? "messages";
        string? phoneNumberId = null;
        if (value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            phoneNumberId = Str(metadata, "phone_number_id");
        }

        if (!string.Equals(field, "messages", StringComparison.Ordinal))
        {
            events.Add(Other(field, phoneNumberId, value));
            return;
        }

        var contacts = new List<(string? WaId, string? UserId, string? Name)>();
        if (value.TryGetProperty("contacts", out var contactArray) && contactArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in contactArray.EnumerateArray())
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                string? name = null;
                if (c.TryGetProperty("profile", out var profile) && profile.ValueKind == JsonValueKind.Object)
                {
                    name = Str(profile, "name") ?? Str(profile, "username");
                }

                contacts.Add((Str(c, "wa_id"), Str(c, "user_id"), name));
            }
        }

        if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in messages.EnumerateArray())
            {
                var message = ReadMessage(m, phoneNumberId, contacts, out var reason);
                if (message is null)
                {
                    malformed.Add(new MalformedItem(reason!, m.GetRawText()));
                }
                else
                {
                    events.Add(message);
                }
            }
        }

        if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in statuses.EnumerateArray())
            {
                var status = ReadStatus(s, phoneNumberId, out var reason);
                if (status is null)
                {
                    malformed.Add(new MalformedItem(reason!, s.GetRawText()));
                }
                else
                {
                    events.Add(status);
                }
            }
        }

        if (value.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in errors.EnumerateArray())
            {
                events.Add(Other("errors", phoneNumberId, e));
            }
        }
    }

    private static InboundMessage? ReadMessage(
        JsonElement m, string? phoneNumberId, List<(string? WaId, string? UserId, string? Name)> contacts, out string? reason)
    {
        reason = null;
        if (m.ValueKind != JsonValueKind.Object)
        {
            reason = "message is not an object";
            return null;
        }

        var id = Str(m, "id");
        if (string.IsNullOrEmpty(id))
        {
            reason = "message has no id";
            return null;
        }

        if (id.Length > MaxIdLength)
        {
            reason = $"message id is longer than {MaxIdLength} characters";
            return null;
        }

        var from = Str(m, "from");
        var userId = Str(m, "from_user_id");
        if (from is { Length: > MaxPhoneLength } || userId is { Length: > MaxUserIdLength })
        {
            reason = from is { Length: > MaxPhoneLength } ? $"sender is longer than {MaxPhoneLength} characters" : $"user id is longer than {MaxUserIdLength} characters";
            return null;
        }

        var contact = contacts.FirstOrDefault(c => from is not null && string.Equals(c.WaId, from, StringComparison.Ordinal));
        if (contact == default && contacts.Count == 1)
        {
            contact = contacts[0];
        }

        from ??= contact.WaId is { Length: <= MaxPhoneLength } ? contact.WaId : null;
        userId ??= contact.UserId is { Length: <= MaxUserIdLength } ? contact.UserId : null;
        var metaType = Str(m, "type") ?? "unknown";
        var (kind, payload, text) = Classify(m, metaType);

        string? contextId = null, contextFrom = null;
        if (m.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object)
        {
            // Only a plausible wamid can be ours; anything longer is ignored rather than stored and indexed.
            contextId = Str(context, "id") is { Length: <= MaxIdLength } cid ? cid : null;
            contextFrom = Str(context, "from") is { Length: <= MaxPhoneLength } cfrom ? cfrom : null;
        }

        return new InboundMessage
        {
            PhoneNumberId = phoneNumberId,
            RawJson = m.GetRawText(),
            MessageId = id,
            From = from,
            UserId = userId,
            ProfileName = contact.Name,
            Timestamp = Time(m),
            Kind = kind,
            MetaType = metaType,
            Payload = payload,
            Text = text,
            ContextId = contextId,
            ContextFrom = contextFrom,
            Errors = Errors(m),
        };
    }

    /// <summary>Maps Meta's message type (and interactive sub-type) to our kind, and picks its payload and text.</summary>
    private static (string Kind, string? Payload, string? Text) Classify(JsonElement m, string metaType)
    {
        var body = m.TryGetProperty(metaType, out var b) && b.ValueKind == JsonValueKind.Object ? b : default;
        switch (metaType)
        {
            case "text":
                var textBody = Str(body, "body");
                return ("text", textBody, textBody);
            case "button":
                // A quick-reply tap on a TEMPLATE: payload is ours (or the label when none was set).
                return ("button", Str(body, "payload") ?? Str(body, "text"), Str(body, "text"));
            case "interactive":
                var sub = Str(body, "type") ?? "";
                if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(sub, out var reply) && reply.ValueKind == JsonValueKind.Object)
                {
                    return sub switch
                    {
                        "button_reply" => ("button_reply", Str(reply, "id"), Str(reply, "title")),
                        "list_reply" => ("list_reply", Str(reply, "id"), Str(reply, "title")),
                        "nfm_reply" => ("nfm_reply", Str(reply, "response_json"), Str(reply, "body")),
                        _ => ("unsupported", sub, null),
                    };
                }

                return ("unsupported", sub, null);
            case "image" or "document" or "audio" or "video" or "sticker":
                return (metaType, Str(body, "id"), Str(body, "caption") ?? Str(body, "filename"));
            case "location":
                var lat = Num(body, "latitude");
                var lon = Num(body, "longitude");
                return ("location", lat is null || lon is null ? null : $"{lat},{lon}", Str(body, "name") ?? Str(body, "address"));
            case "contacts":
                var count = m.TryGetProperty("contacts", out var cs) && cs.ValueKind == JsonValueKind.Array ? cs.GetArrayLength() : 0;
                return ("contacts", count.ToString(CultureInfo.InvariantCulture), null);
            case "reaction":
                // A removed reaction comes without emoji, or with an empty one.
                return ("reaction", Str(body, "emoji") ?? "", Str(body, "message_id"));
            case "system":
                return ("system", Str(body, "type"), Str(body, "body"));
            case "order":
                return ("order", Str(body, "catalog_id"), Str(body, "text"));
            case "unsupported":
                return ("unsupported", Str(body, "type"), null);
            default:
                return ("unsupported", metaType, null);
        }
    }

    private static MessageStatus? ReadStatus(JsonElement s, string? phoneNumberId, out string? reason)
    {
        reason = null;
        if (s.ValueKind != JsonValueKind.Object)
        {
            reason = "status is not an object";
            return null;
        }

        var id = Str(s, "id");
        var status = Str(s, "status");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(status))
        {
            reason = string.IsNullOrEmpty(id) ? "status has no id" : "status has no status";
            return null;
        }

        var recipient = Str(s, "recipient_id");
        var recipientUserId = Str(s, "recipient_user_id");
        if (id.Length > MaxIdLength || status.Length > 32 || recipient is { Length: > MaxPhoneLength } || recipientUserId is { Length: > MaxUserIdLength })
        {
            reason = id.Length > MaxIdLength ? $"status id is longer than {MaxIdLength} characters"
                : status.Length > 32 ? "status value is longer than 32 characters"
                : "recipient is longer than allowed";
            return null;
        }

        string? category = null;
        if (s.TryGetProperty("pricing", out var pricing) && pricing.ValueKind == JsonValueKind.Object)
        {
            category = Str(pricing, "category");
        }

        return new MessageStatus
        {
            PhoneNumberId = phoneNumberId,
            RawJson = s.GetRawText(),
            MessageId = id,
            Status = status,
            Timestamp = Time(s),
            RecipientId = recipient,
            RecipientUserId = recipientUserId,
            // Meta caps it at 512 characters; ours is an outbox id.
            BizOpaqueCallbackData = Str(s, "biz_opaque_callback_data") is { Length: <= 512 } cb ? cb : null,
            PricingCategory = category,
            Errors = Errors(s),
        };
    }

    private static OtherEvent Other(string field, string? phoneNumberId, JsonElement value)
    {
        var raw = value.GetRawText();
        string? summary = null, waId = null;
        if (value.ValueKind == JsonValueKind.Object)
        {
            var code = Str(value, "code");
            summary = Str(value, "event") is { } ev
                ? $"{ev} {Str(value, "message_template_name")} {Str(value, "reason")}".Trim()
                : code is not null ? $"{code} {Str(value, "title")}".Trim() : null;
            waId = Str(value, "wa_id") is { Length: <= MaxPhoneLength } w ? w : null;
            if (field == "user_preferences" && value.TryGetProperty("user_preferences", out var prefs) && prefs.ValueKind == JsonValueKind.Array)
            {
                var first = prefs.EnumerateArray().FirstOrDefault();
                if (first.ValueKind == JsonValueKind.Object)
                {
                    waId = Str(first, "wa_id") is { Length: <= MaxPhoneLength } w2 ? w2 : waId;
                    summary = $"{Str(first, "category")} {Str(first, "value")}".Trim();
                }
            }
        }

        return new OtherEvent
        {
            PhoneNumberId = phoneNumberId,
            RawJson = raw,
            Field = field,
            Summary = summary,
            WaId = waId,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..32],
        };
    }

    private static IReadOnlyList<WebhookError> Errors(JsonElement item)
    {
        if (!item.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<WebhookError>();
        foreach (var e in errors.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var code = int.TryParse(Str(e, "code"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : 0;
            string? details = null;
            if (e.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                details = Str(data, "details");
            }

            list.Add(new WebhookError(code, Str(e, "title") ?? Str(e, "message"), details ?? Str(e, "message")));
        }

        return list;
    }

    private static DateTimeOffset? Time(JsonElement item)
    {
        var raw = Str(item, "timestamp");
        return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    /// <summary>A property as a string; numbers and booleans are accepted too (Meta sends ids as strings, but not every sender does).</summary>
    internal static string? Str(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => Clean(v.GetString()),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    /// <summary>U+0000 is valid in JSON but cannot be stored in PostgreSQL text: it becomes U+FFFD.</summary>
    private static string? Clean(string? value) =>
        value is not null && value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;

    private static string? Num(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind is JsonValueKind.Number or JsonValueKind.String ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;
    }
}

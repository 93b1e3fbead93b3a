using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hubix.WhatsApp.Messages;

/// <summary>
/// A request body for <c>POST /{phone-number-id}/messages</c> (REFERENCE §7). Immutable; build one with the static
/// factories, check it with <see cref="Validate"/>, turn it into Meta's JSON with <see cref="ToRequestJson"/>.
/// The hierarchy is closed: only the types in this namespace derive from it.
/// </summary>
public abstract record OutboundMessage
{
    /// <summary>Meta's limit on <c>biz_opaque_callback_data</c> (Meta send-messages page; not in REFERENCE).</summary>
    public const int MaxCallbackDataLength = 512;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not embedded in HTML; keeps "™" and "–" readable in the outbox instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private protected OutboundMessage()
    {
    }

    /// <summary>Meta's <c>type</c> value ("text", "image", "document", "template", "interactive"), or "read" for a read receipt.</summary>
    public abstract string Type { get; }

    /// <summary>Every reason Meta would reject this message, checked locally. Empty when the message is fine.</summary>
    public IReadOnlyList<MessageProblem> Validate()
    {
        var problems = new ProblemList();
        ValidateCore(problems);
        return problems.Problems;
    }

    /// <summary>Meta's exact request body. <paramref name="bizOpaqueCallbackData"/> is echoed back in status webhooks.</summary>
    /// <exception cref="ArgumentException">The callback data is empty or longer than <see cref="MaxCallbackDataLength"/>,
    /// or it was given for a read receipt.</exception>
    public string ToRequestJson(string? bizOpaqueCallbackData = null)
    {
        if (bizOpaqueCallbackData is not null)
        {
            CheckCallbackData(bizOpaqueCallbackData);
            if (this is MarkAsReadMessage)
            {
                throw new ArgumentException("A read receipt carries no biz_opaque_callback_data.", nameof(bizOpaqueCallbackData));
            }
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("messaging_product", "whatsapp");
            WriteRequest(w);
            if (bizOpaqueCallbackData is not null)
            {
                w.WriteString("biz_opaque_callback_data", bizOpaqueCallbackData);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Adds (or replaces) <c>biz_opaque_callback_data</c> in a request body produced earlier by <see cref="ToRequestJson"/>,
    /// e.g. one stored in an outbox. Other properties are copied unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The JSON is not an object, or the callback data is empty or too long.</exception>
    public static string WithCallbackData(string requestJson, string callbackData)
    {
        ArgumentNullException.ThrowIfNull(requestJson);
        CheckCallbackData(callbackData);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(requestJson);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("requestJson is not valid JSON: " + e.Message, nameof(requestJson));
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("requestJson must be a JSON object.", nameof(requestJson));
            }

            var buffer = new ArrayBufferWriter<byte>(requestJson.Length + callbackData.Length + 40);
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartObject();
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (!property.NameEquals("biz_opaque_callback_data"))
                    {
                        property.WriteTo(w);
                    }
                }
                w.WriteString("biz_opaque_callback_data", callbackData);
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private static void CheckCallbackData(string callbackData)
    {
        ArgumentNullException.ThrowIfNull(callbackData);
        if (callbackData.Length == 0 || callbackData.Length > MaxCallbackDataLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"biz_opaque_callback_data must be 1..{MaxCallbackDataLength} characters; it is {callbackData.Length}."),
                nameof(callbackData));
        }
    }

    private protected abstract void ValidateCore(ProblemList problems);

    /// <summary>Writes everything after <c>messaging_product</c>.</summary>
    private protected abstract void WriteRequest(Utf8JsonWriter w);

    // ---- factories -------------------------------------------------------------------------------------------

    /// <summary>Plain text; <paramref name="previewUrl"/> renders a preview of the first http(s) URL.</summary>
    public static TextMessage Text(string to, string body, bool previewUrl = false) => new(to, body, previewUrl);

    public static ImageMessage Image(string to, MediaSource image, string? caption = null) => new(to, image, caption);

    public static DocumentMessage Document(string to, MediaSource document, string? caption = null, string? filename = null) =>
        new(to, document, caption, filename);

    /// <summary>
    /// Template with positional body parameters (<c>{{1}}</c>, <c>{{2}}</c>… in order) and one quick-reply payload per
    /// quick-reply button, index 0, 1, … in the given order.
    /// </summary>
    public static TemplateMessage Template(
        string to,
        string name,
        string languageCode,
        IEnumerable<string>? bodyParameters = null,
        IEnumerable<string>? quickReplyPayloads = null,
        TemplateHeaderParameter? header = null) =>
        new(to, name, languageCode,
            header,
            (bodyParameters ?? []).Select(TemplateBodyParameter.Positional).ToArray(),
            (quickReplyPayloads ?? []).Select((p, i) => new QuickReplyPayload(i, p)).ToArray());

    /// <summary>Template with named body parameters (<c>{{first_name}}</c>): each pair is parameter_name → text.</summary>
    public static TemplateMessage TemplateNamed(
        string to,
        string name,
        string languageCode,
        IEnumerable<KeyValuePair<string, string>> bodyParameters,
        IEnumerable<string>? quickReplyPayloads = null,
        TemplateHeaderParameter? header = null) =>
        new(to, name, languageCode,
            header,
            bodyParameters.Select(p => TemplateBodyParameter.Named(p.Key, p.Value)).ToArray(),
            (quickReplyPayloads ?? []).Select((p, i) => new QuickReplyPayload(i, p)).ToArray());

    /// <summary>Interactive message with 1–3 reply buttons.</summary>
    public static ReplyButtonsMessage ReplyButtons(
        string to,
        string body,
        IEnumerable<ReplyButton> buttons,
        InteractiveHeader? header = null,
        string? footer = null) =>
        new(to, body, buttons.ToArray(), header, footer);

    /// <summary>Interactive list: a button that opens sections of rows (≤10 sections, ≤10 rows in total).</summary>
    public static ListMessage List(
        string to,
        string body,
        string buttonLabel,
        IEnumerable<ListSection> sections,
        string? headerText = null,
        string? footer = null) =>
        new(to, body, buttonLabel, sections.ToArray(), headerText is null ? null : InteractiveHeader.Text(headerText), footer);

    /// <summary>Read receipt for an inbound message (blue ticks), optionally showing a typing indicator.</summary>
    public static MarkAsReadMessage MarkAsRead(string messageId, bool showTypingIndicator = false) => new(messageId, showTypingIndicator);
}

/// <summary>A message delivered to one recipient (everything except a read receipt).</summary>
public abstract record RecipientMessage : OutboundMessage
{
    private protected RecipientMessage(string to)
    {
        To = to;
    }

    /// <summary>
    /// Recipient phone number with country code: digits only, optionally with a leading '+' (Meta's own examples use
    /// "+16505551234"; without a country code Meta prepends the business number's, so always include it).
    /// </summary>
    public string To { get; init; }

    /// <summary>Optional <c>context.message_id</c>: shows the message as a reply to that inbound wamid.</summary>
    public string? ReplyToMessageId { get; init; }

    private protected sealed override void ValidateCore(ProblemList problems)
    {
        ValidateRecipient(problems, To);
        if (ReplyToMessageId is not null)
        {
            problems.Required("context.message_id", ReplyToMessageId, 512);
        }
        ValidateContent(problems);
    }

    private protected sealed override void WriteRequest(Utf8JsonWriter w)
    {
        w.WriteString("recipient_type", "individual");
        w.WriteString("to", To);
        if (ReplyToMessageId is not null)
        {
            w.WriteStartObject("context");
            w.WriteString("message_id", ReplyToMessageId);
            w.WriteEndObject();
        }
        w.WriteString("type", Type);
        w.WritePropertyName(Type);
        w.WriteStartObject();
        WriteContent(w);
        w.WriteEndObject();
    }

    private protected abstract void ValidateContent(ProblemList problems);

    /// <summary>Writes the properties inside the <c>"{type}": { … }</c> object.</summary>
    private protected abstract void WriteContent(Utf8JsonWriter w);

    /// <summary>E.164 allows at most 15 digits.</summary>
    internal static void ValidateRecipient(ProblemList problems, string? to)
    {
        if (string.IsNullOrEmpty(to))
        {
            problems.Add("to", "is required: the recipient's phone number with country code, digits only.");
            return;
        }
        var digits = to.StartsWith('+') ? to.AsSpan(1) : to.AsSpan();
        if (digits.IsEmpty || digits.Length > 15 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            problems.Add("to", "must be the recipient's phone number with country code: digits only (an optional leading '+'), at most 15 digits.");
        }
    }
}

using System.Text.Json;

namespace Hubix.WhatsApp.Messages;

/// <summary><c>"type":"text"</c>. Body ≤ 4096.</summary>
public sealed record TextMessage : RecipientMessage
{
    public const int MaxBodyLength = 4096;

    internal TextMessage(string to, string body, bool previewUrl)
        : base(to)
    {
        Body = body;
        PreviewUrl = previewUrl;
    }

    public string Body { get; init; }

    public bool PreviewUrl { get; init; }

    public override string Type => "text";

    private protected override void ValidateContent(ProblemList problems) => problems.Required("text.body", Body, MaxBodyLength);

    private protected override void WriteContent(Utf8JsonWriter w)
    {
        if (PreviewUrl)
        {
            w.WriteBoolean("preview_url", true);
        }
        w.WriteString("body", Body);
    }
}

/// <summary><c>"type":"image"</c>. Caption ≤ 1024.</summary>
public sealed record ImageMessage : RecipientMessage
{
    public const int MaxCaptionLength = 1024;

    internal ImageMessage(string to, MediaSource image, string? caption)
        : base(to)
    {
        Media = image;
        Caption = caption;
    }

    public MediaSource Media { get; init; }

    public string? Caption { get; init; }

    public override string Type => "image";

    private protected override void ValidateContent(ProblemList problems)
    {
        if (Media is null)
        {
            problems.Add("image", "is required (a media id or link).");
        }
        else
        {
            Media.Validate(problems, "image");
        }
        problems.Optional("image.caption", Caption, MaxCaptionLength);
    }

    private protected override void WriteContent(Utf8JsonWriter w)
    {
        Media.WriteProperties(w);
        if (Caption is not null)
        {
            w.WriteString("caption", Caption);
        }
    }
}

/// <summary>
/// <c>"type":"document"</c>. Caption ≤ 1024 (REFERENCE only confirms 1024 for images; the same limit is applied here).
/// </summary>
public sealed record DocumentMessage : RecipientMessage
{
    public const int MaxCaptionLength = 1024;

    internal DocumentMessage(string to, MediaSource document, string? caption, string? filename)
        : base(to)
    {
        Media = document;
        Caption = caption;
        Filename = filename;
    }

    public MediaSource Media { get; init; }

    public string? Caption { get; init; }

    /// <summary>File name shown to the recipient (with extension).</summary>
    public string? Filename { get; init; }

    public override string Type => "document";

    private protected override void ValidateContent(ProblemList problems)
    {
        if (Media is null)
        {
            problems.Add("document", "is required (a media id or link).");
        }
        else
        {
            Media.Validate(problems, "document");
        }
        problems.Optional("document.caption", Caption, MaxCaptionLength);
        problems.Optional("document.filename", Filename, int.MaxValue);
    }

    private protected override void WriteContent(Utf8JsonWriter w)
    {
        Media.WriteProperties(w);
        if (Caption is not null)
        {
            w.WriteString("caption", Caption);
        }
        if (Filename is not null)
        {
            w.WriteString("filename", Filename);
        }
    }
}

/// <summary>Read receipt: <c>{"messaging_product":"whatsapp","status":"read","message_id":"wamid…"}</c>.</summary>
public sealed record MarkAsReadMessage : OutboundMessage
{
    internal MarkAsReadMessage(string messageId, bool showTypingIndicator)
    {
        MessageId = messageId;
        ShowTypingIndicator = showTypingIndicator;
    }

    /// <summary>The inbound message's wamid.</summary>
    public string MessageId { get; init; }

    /// <summary>Adds <c>"typing_indicator":{"type":"text"}</c>.</summary>
    public bool ShowTypingIndicator { get; init; }

    public override string Type => "read";

    private protected override void ValidateCore(ProblemList problems) => problems.Required("message_id", MessageId, 512);

    private protected override void WriteRequest(Utf8JsonWriter w)
    {
        w.WriteString("status", "read");
        w.WriteString("message_id", MessageId);
        if (ShowTypingIndicator)
        {
            w.WriteStartObject("typing_indicator");
            w.WriteString("type", "text");
            w.WriteEndObject();
        }
    }
}

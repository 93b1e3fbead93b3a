namespace Hubix.WhatsApp.Webhooks;

/// <summary>One thing Meta told us, taken out of a webhook envelope.</summary>
public abstract record WebhookEvent
{
    /// <summary>Our business number's id (<c>metadata.phone_number_id</c>); absent for account-level fields.</summary>
    public string? PhoneNumberId { get; init; }

    /// <summary>The JSON of just this item (one message, one status, one error, or the change value).</summary>
    public required string RawJson { get; init; }

    /// <summary>A key that is the same for every delivery of the same event, used to process it once.</summary>
    public abstract string DedupeKey { get; }
}

/// <summary>A message a user sent us (<c>value.messages[]</c>).</summary>
public sealed record InboundMessage : WebhookEvent
{
    public required string MessageId { get; init; }

    /// <summary>The sender's phone (<c>from</c>, else the contact's <c>wa_id</c>); null for username-only users.</summary>
    public string? From { get; init; }

    /// <summary>Business-scoped user id (<c>from_user_id</c> or the contact's <c>user_id</c>).</summary>
    public string? UserId { get; init; }

    public string? ProfileName { get; init; }

    /// <summary>Meta's time of the message (<c>timestamp</c>), not our receipt time; null when absent or unreadable.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>
    /// Our classification: text, button, button_reply, list_reply, nfm_reply, image, document, audio, video,
    /// sticker, location, contacts, reaction, system, order, unsupported (anything unknown).
    /// </summary>
    public required string Kind { get; init; }

    /// <summary>Meta's <c>type</c> as sent, kept verbatim.</summary>
    public required string MetaType { get; init; }

    /// <summary>The one value that matters for the kind: text body, button payload, reply id, media id, emoji, etc.</summary>
    public string? Payload { get; init; }

    /// <summary>Human text shown to the user: button text, reply title, caption, text body.</summary>
    public string? Text { get; init; }

    /// <summary><c>context.id</c>: the wamid of our message this one answers (template tap, reply).</summary>
    public string? ContextId { get; init; }

    public string? ContextFrom { get; init; }

    public IReadOnlyList<WebhookError> Errors { get; init; } = [];

    public override string DedupeKey => "msg:" + MessageId;
}

/// <summary>A status of a message we sent (<c>value.statuses[]</c>).</summary>
public sealed record MessageStatus : WebhookEvent
{
    /// <summary>The wamid of our message.</summary>
    public required string MessageId { get; init; }

    /// <summary>sent, delivered, read, failed, played, or whatever Meta adds (kept as sent).</summary>
    public required string Status { get; init; }

    public DateTimeOffset? Timestamp { get; init; }
    public string? RecipientId { get; init; }
    public string? RecipientUserId { get; init; }

    /// <summary>The echo of <c>biz_opaque_callback_data</c>: our outbox id.</summary>
    public string? BizOpaqueCallbackData { get; init; }

    public string? PricingCategory { get; init; }
    public IReadOnlyList<WebhookError> Errors { get; init; } = [];

    public override string DedupeKey => "status:" + MessageId + ":" + Status;
}

/// <summary>Anything else Meta sends: other fields, <c>value.errors</c>, template status updates.</summary>
public sealed record OtherEvent : WebhookEvent
{
    /// <summary>The change's <c>field</c> (e.g. <c>message_template_status_update</c>) or <c>errors</c>.</summary>
    public required string Field { get; init; }

    /// <summary>A short summary to show (event, template name, error code...).</summary>
    public string? Summary { get; init; }

    /// <summary>The user this concerns, when the field names one (user_preferences).</summary>
    public string? WaId { get; init; }

    /// <summary>Hash of the raw item, so that a redelivery of the same change is recorded once.</summary>
    public required string ContentHash { get; init; }

    public override string DedupeKey => "other:" + Field + ":" + ContentHash;
}

/// <summary>A message that could not be taken out of the envelope (e.g. it has no id).</summary>
public sealed record MalformedItem(string Reason, string RawJson);

public sealed record WebhookError(int Code, string? Title, string? Details);

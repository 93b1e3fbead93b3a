using System.Diagnostics.CodeAnalysis;

namespace Hubix.WhatsApp.Client;

/// <summary>
/// A failed Graph call. Either Meta's error envelope (<c>{"error":{message,type,code,error_data.details,fbtrace_id}}</c>)
/// or one of our own codes: <see cref="TransportFailureCode"/> (no envelope: timeout, connection error, bare HTTP
/// error, unreadable response) or <see cref="ValidationFailureCode"/> (rejected locally, nothing sent).
/// Never contains the access token.
/// </summary>
public sealed record GraphError
{
    /// <summary>Our code: no Graph error envelope (timeout, connection error, HTTP error without body, unreadable answer).</summary>
    public const int TransportFailureCode = -1;

    /// <summary>Our code: <see cref="Messages.OutboundMessage.Validate"/> found problems; nothing was sent.</summary>
    public const int ValidationFailureCode = -2;

    /// <summary>HTTP status of Meta's answer; null when there was no answer (timeout, connection error) or nothing was sent.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Meta's <c>error.code</c>, or one of our negative codes.</summary>
    public required int Code { get; init; }

    /// <summary>Meta's <c>error.message</c> (e.g. "(#130429) Rate limit hit"), or ours ("timeout", "connection refused", "HTTP 503").</summary>
    public required string Message { get; init; }

    /// <summary>Meta's <c>error.error_data.details</c>, which Meta says to build handling around together with the code.</summary>
    public string? Details { get; init; }

    /// <summary>Meta's <c>error.type</c> (e.g. "OAuthException").</summary>
    public string? Type { get; init; }

    /// <summary>Meta's deprecated <c>error.error_subcode</c>, when present.</summary>
    public int? Subcode { get; init; }

    /// <summary>Meta's <c>error.fbtrace_id</c>, for Meta support.</summary>
    public string? FbTraceId { get; init; }

    public required ErrorClass Class { get; init; }

    /// <summary>
    /// True when the request may have reached Meta even though we got no usable answer (timeout, connection lost after
    /// sending, a 2xx we could not read): a retry may deliver a duplicate. False for Meta errors, refused connections
    /// and local validation failures.
    /// </summary>
    public bool MayHaveBeenSent { get; init; }

    /// <summary>Title, meaning and action for the dashboard.</summary>
    public ErrorDescription Describe() => ErrorCatalog.Describe(Code);

    internal static GraphError Transport(string message, int? httpStatus, bool mayHaveBeenSent, string? details = null) => new()
    {
        Code = TransportFailureCode,
        HttpStatus = httpStatus,
        Message = message,
        Details = details,
        MayHaveBeenSent = mayHaveBeenSent,
        Class = ErrorClassifier.Classify(TransportFailureCode, httpStatus),
    };
}

/// <summary>Outcome of a send: accepted by Meta (which is not delivery) or a <see cref="GraphError"/>.</summary>
public sealed record SendResult
{
    private SendResult()
    {
    }

    /// <summary>The wamid; status webhooks refer to it.</summary>
    public string? MessageId { get; private init; }

    /// <summary><c>contacts[0].wa_id</c>: the recipient's WhatsApp id (digits), when Meta returns it.</summary>
    public string? WaId { get; private init; }

    /// <summary><c>contacts[0].input</c>: the <c>to</c> we sent.</summary>
    public string? Input { get; private init; }

    /// <summary><c>messages[0].message_status</c>: only for paced templates ("accepted", "held_for_quality_assessment", …).</summary>
    public string? MessageStatus { get; private init; }

    public GraphError? Error { get; private init; }

    [MemberNotNullWhen(true, nameof(MessageId))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsAccepted => Error is null;

    public static SendResult Accepted(string messageId, string? waId = null, string? input = null, string? messageStatus = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        return new() { MessageId = messageId, WaId = waId, Input = input, MessageStatus = messageStatus };
    }

    public static SendResult Failed(GraphError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new() { Error = error };
    }
}

/// <summary>Outcome of a Graph call other than a send: a value or a <see cref="GraphError"/>.</summary>
public sealed record GraphResult<T>
    where T : notnull
{
    private GraphResult()
    {
    }

    public T? Value { get; private init; }

    public GraphError? Error { get; private init; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

#pragma warning disable CA1000 // static factories on the generic type read best here
    public static GraphResult<T> Success(T value) => new() { Value = value };

    public static GraphResult<T> Failed(GraphError error) => new() { Error = error };
#pragma warning restore CA1000
}

/// <summary>Answer of <c>GET /{media-id}</c>. <see cref="Url"/> expires after 5 minutes and needs the Bearer token.</summary>
public sealed record MediaInfo(string Id, string Url, string? MimeType, string? Sha256, long? FileSize);

/// <summary>A button of a template, in order (its position is the <c>index</c> of a quick-reply parameter).</summary>
public sealed record TemplateButtonInfo(string Type, string Text, string? Url);

/// <summary>
/// One message template from <c>GET /{waba-id}/message_templates</c>. Parameter counts are the distinct
/// <c>{{…}}</c> placeholders in the BODY / HEADER text; <see cref="BodyParameterNames"/> lists them in order of first use.
/// </summary>
public sealed record TemplateInfo(
    string Id,
    string Name,
    string? Language,
    string? Status,
    string? Category,
    string? ParameterFormat,
    string? HeaderFormat,
    int HeaderParameterCount,
    int BodyParameterCount,
    IReadOnlyList<string> BodyParameterNames,
    IReadOnlyList<TemplateButtonInfo> Buttons)
{
    /// <summary>Only APPROVED templates can be sent (REFERENCE §9).</summary>
    public bool IsApproved => string.Equals(Status, "APPROVED", StringComparison.OrdinalIgnoreCase);

    public int QuickReplyCount => Buttons.Count(b => string.Equals(b.Type, "QUICK_REPLY", StringComparison.OrdinalIgnoreCase));
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hubix.WhatsApp.Messages;

namespace Hubix.WhatsApp.Client;

/// <summary>
/// Typed client for the WhatsApp Business Cloud API (REFERENCE §7–§10) over an injected <see cref="HttpClient"/>.
/// Meta errors, timeouts and connection failures come back as <see cref="GraphError"/> values, never as exceptions;
/// only the caller's cancellation (<see cref="OperationCanceledException"/>) and programming errors
/// (<see cref="ArgumentException"/>, <see cref="InvalidOperationException"/>) throw. The access token is sent only as
/// a Bearer header to <see cref="WhatsAppClientOptions.GraphBaseUrl"/> and is redacted from every error text.
/// </summary>
public sealed partial class WhatsAppCloudClient
{
    /// <summary>Stop following <c>paging.next</c> after this many pages (a guard against a paging loop).</summary>
    public const int MaxTemplatePages = 200;

    private const string TemplateFields = "name,language,status,category,parameter_format,components";

    private readonly HttpClient _http;
    private readonly WhatsAppClientOptions _options;
    private readonly Uri _baseUri;
    private readonly string _apiRoot;

    public WhatsAppCloudClient(HttpClient httpClient, WhatsAppClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.GraphBaseUrl, UriKind.Absolute, out var baseUri) ||
            (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("GraphBaseUrl must be an absolute http(s) URL.", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.ApiVersion))
        {
            throw new ArgumentException("ApiVersion is required (e.g. \"v23.0\").", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.AccessToken))
        {
            throw new ArgumentException("AccessToken is required.", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.PhoneNumberId))
        {
            throw new ArgumentException("PhoneNumberId is required.", nameof(options));
        }

        _http = httpClient;
        _options = options;
        _baseUri = baseUri;
        _apiRoot = options.GraphBaseUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(options.ApiVersion.Trim('/'));
    }

    // ---- messages --------------------------------------------------------------------------------------------

    /// <summary>
    /// Validates <paramref name="message"/> and sends it. Problems found by <see cref="OutboundMessage.Validate"/> (or
    /// callback data longer than 512) come back as a <see cref="GraphError"/> with
    /// <see cref="GraphError.ValidationFailureCode"/>, without calling Meta. Read receipts go through
    /// <see cref="MarkAsReadAsync"/>.
    /// </summary>
    public async Task<SendResult> SendAsync(OutboundMessage message, string? bizOpaqueCallbackData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is MarkAsReadMessage)
        {
            throw new ArgumentException("Send read receipts with MarkAsReadAsync; Meta answers them with {\"success\":true}, not a message id.", nameof(message));
        }

        var problems = message.Validate().Select(p => p.ToString()).ToList();
        if (bizOpaqueCallbackData is not null && (bizOpaqueCallbackData.Length == 0 || bizOpaqueCallbackData.Length > OutboundMessage.MaxCallbackDataLength))
        {
            problems.Add(Invariant($"biz_opaque_callback_data: must be 1..{OutboundMessage.MaxCallbackDataLength} characters; it is {bizOpaqueCallbackData.Length}."));
        }
        if (problems.Count > 0)
        {
            return SendResult.Failed(new GraphError
            {
                Code = GraphError.ValidationFailureCode,
                Class = ErrorClassifier.Classify(GraphError.ValidationFailureCode, null),
                Message = Redact("message rejected before sending: " + problems[0])!,
                Details = Redact(string.Join("\n", problems)),
            });
        }

        return await SendJsonAsync(message.ToRequestJson(bizOpaqueCallbackData), cancellationToken);
    }

    /// <summary>
    /// Posts a request body as it is (e.g. from the outbox, after <see cref="OutboundMessage.WithCallbackData"/>) to
    /// <c>{base}/{version}/{phone-number-id}/messages</c>. No local validation.
    /// </summary>
    public async Task<SendResult> SendJsonAsync(string requestJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestJson);
        var exchange = await ExchangeAsync(HttpMethod.Post, MessagesUri(), JsonContent(requestJson), cancellationToken);
        if (exchange.Error is not null)
        {
            return SendResult.Failed(exchange.Error);
        }
        using var doc = exchange.Document!;
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object &&
            root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0 &&
            GetString(messages[0], "id") is { Length: > 0 } wamid)
        {
            string? waId = null, input = null;
            if (root.TryGetProperty("contacts", out var contacts) && contacts.ValueKind == JsonValueKind.Array && contacts.GetArrayLength() > 0)
            {
                waId = GetString(contacts[0], "wa_id");
                input = GetString(contacts[0], "input");
            }
            return SendResult.Accepted(wamid, waId, input, GetString(messages[0], "message_status"));
        }
        return SendResult.Failed(Unexpected(exchange.Status, "no messages[0].id in the answer"));
    }

    /// <summary>Read receipt (blue ticks) for an inbound message, optionally with a typing indicator.</summary>
    public async Task<GraphResult<bool>> MarkAsReadAsync(string messageId, bool showTypingIndicator, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var json = OutboundMessage.MarkAsRead(messageId, showTypingIndicator).ToRequestJson();
        var exchange = await ExchangeAsync(HttpMethod.Post, MessagesUri(), JsonContent(json), cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<bool>.Failed(exchange.Error);
        }
        using var doc = exchange.Document!;
        return doc.RootElement.ValueKind == JsonValueKind.Object &&
               doc.RootElement.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.True
            ? GraphResult<bool>.Success(true)
            : GraphResult<bool>.Failed(Unexpected(exchange.Status, "no \"success\":true in the answer"));
    }

    /// <inheritdoc cref="MarkAsReadAsync(string, bool, CancellationToken)"/>
    public Task<GraphResult<bool>> MarkAsReadAsync(string messageId, CancellationToken cancellationToken) =>
        MarkAsReadAsync(messageId, false, cancellationToken);

    // ---- media -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Uploads a file (multipart: <c>messaging_product=whatsapp</c>, <c>file</c>, <c>type</c>) and returns its media id
    /// (valid 30 days). The stream is read from its current position and not disposed.
    /// </summary>
    public async Task<GraphResult<string>> UploadMediaAsync(Stream content, string fileName, string mimeType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(mimeType);
        if (!MediaTypeHeaderValue.TryParse(mimeType, out var mediaType))
        {
            throw new ArgumentException("mimeType is not a valid MIME type.", nameof(mimeType));
        }

        var form = new MultipartFormDataContent();
        form.Add(new StringContent("whatsapp"), "messaging_product");
        var file = new StreamContent(new LeaveOpenStream(content));
        file.Headers.ContentType = mediaType;
        form.Add(file, "file", fileName);
        form.Add(new StringContent(mimeType), "type");

        var uri = new Uri(_apiRoot + "/" + Uri.EscapeDataString(_options.PhoneNumberId) + "/media");
        var exchange = await ExchangeAsync(HttpMethod.Post, uri, form, cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<string>.Failed(exchange.Error);
        }
        using var doc = exchange.Document!;
        return GetString(doc.RootElement, "id") is { Length: > 0 } id
            ? GraphResult<string>.Success(id)
            : GraphResult<string>.Failed(Unexpected(exchange.Status, "no \"id\" in the answer"));
    }

    /// <summary><c>GET /{media-id}?phone_number_id=…</c>: the download URL (valid 5 minutes) and metadata.</summary>
    public async Task<GraphResult<MediaInfo>> GetMediaAsync(string mediaId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaId);
        var uri = new Uri(_apiRoot + "/" + Uri.EscapeDataString(mediaId) + "?phone_number_id=" + Uri.EscapeDataString(_options.PhoneNumberId));
        var exchange = await ExchangeAsync(HttpMethod.Get, uri, null, cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<MediaInfo>.Failed(exchange.Error);
        }
        using var doc = exchange.Document!;
        var root = doc.RootElement;
        if (GetString(root, "url") is not { Length: > 0 } url)
        {
            return GraphResult<MediaInfo>.Failed(Unexpected(exchange.Status, "no \"url\" in the answer"));
        }
        return GraphResult<MediaInfo>.Success(new MediaInfo(
            GetString(root, "id") ?? mediaId,
            url,
            GetString(root, "mime_type"),
            GetString(root, "sha256"),
            GetInt64(root, "file_size")));
    }

    // ---- templates -------------------------------------------------------------------------------------------

    /// <summary>
    /// All message templates of the business account (<c>GET /{waba-id}/message_templates</c>), following
    /// <c>paging.next</c> (only to the configured Graph host, at most <see cref="MaxTemplatePages"/> pages).
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="WhatsAppClientOptions.BusinessAccountId"/> is not set.</exception>
    public async Task<GraphResult<IReadOnlyList<TemplateInfo>>> ListTemplatesAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_options.BusinessAccountId))
        {
            throw new InvalidOperationException("BusinessAccountId is required to list templates.");
        }

        var templates = new List<TemplateInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? next = new(_apiRoot + "/" + Uri.EscapeDataString(_options.BusinessAccountId) + "/message_templates?fields=" + TemplateFields + "&limit=100");
        while (next is not null)
        {
            if (seen.Count >= MaxTemplatePages || !seen.Add(next.AbsoluteUri))
            {
                return GraphResult<IReadOnlyList<TemplateInfo>>.Failed(
                    GraphError.Transport("template paging did not end (repeated page or too many pages)", null, false) with { Class = ErrorClass.Permanent });
            }

            var exchange = await ExchangeAsync(HttpMethod.Get, next, null, cancellationToken);
            if (exchange.Error is not null)
            {
                return GraphResult<IReadOnlyList<TemplateInfo>>.Failed(exchange.Error);
            }
            using var doc = exchange.Document!;
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return GraphResult<IReadOnlyList<TemplateInfo>>.Failed(Unexpected(exchange.Status, "no \"data\" array in the answer"));
            }
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    templates.Add(ReadTemplate(item));
                }
            }

            next = null;
            if (root.TryGetProperty("paging", out var paging) && GetString(paging, "next") is { Length: > 0 } nextText)
            {
                if (!Uri.TryCreate(nextText, UriKind.Absolute, out next) ||
                    Uri.Compare(next, _baseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                {
                    return GraphResult<IReadOnlyList<TemplateInfo>>.Failed(
                        GraphError.Transport("paging.next does not point to the configured Graph host; not followed", exchange.Status, false)
                            with { Class = ErrorClass.Permanent });
                }
            }
        }
        return GraphResult<IReadOnlyList<TemplateInfo>>.Success(templates);
    }

    private static TemplateInfo ReadTemplate(JsonElement t)
    {
        string? headerFormat = null;
        var headerParams = 0;
        IReadOnlyList<string> bodyNames = [];
        var buttons = new List<TemplateButtonInfo>();
        if (t.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in components.EnumerateArray())
            {
                var type = GetString(c, "type");
                if (string.Equals(type, "BODY", StringComparison.OrdinalIgnoreCase))
                {
                    bodyNames = Placeholders(GetString(c, "text"));
                }
                else if (string.Equals(type, "HEADER", StringComparison.OrdinalIgnoreCase))
                {
                    headerFormat = GetString(c, "format");
                    headerParams = Placeholders(GetString(c, "text")).Count;
                }
                else if (string.Equals(type, "BUTTONS", StringComparison.OrdinalIgnoreCase) &&
                         c.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var b in list.EnumerateArray())
                    {
                        buttons.Add(new TemplateButtonInfo(GetString(b, "type") ?? "", GetString(b, "text") ?? "", GetString(b, "url")));
                    }
                }
            }
        }

        return new TemplateInfo(
            GetString(t, "id") ?? "",
            GetString(t, "name") ?? "",
            GetString(t, "language"),
            GetString(t, "status"),
            GetString(t, "category"),
            GetString(t, "parameter_format"),
            headerFormat,
            headerParams,
            bodyNames.Count,
            bodyNames,
            buttons);
    }

    /// <summary>Distinct <c>{{1}}</c> / <c>{{name}}</c> placeholders in order of first use.</summary>
    internal static IReadOnlyList<string> Placeholders(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var names = new List<string>();
        foreach (Match m in PlaceholderRegex().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }
        return names;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();

    // ---- HTTP ------------------------------------------------------------------------------------------------

    private Uri MessagesUri() => new(_apiRoot + "/" + Uri.EscapeDataString(_options.PhoneNumberId) + "/messages");

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A parsed 2xx JSON answer (the caller disposes it) or an error.</summary>
    private readonly record struct Exchange(int Status, JsonDocument? Document, GraphError? Error);

    private async Task<Exchange> ExchangeAsync(HttpMethod method, Uri uri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        int status;
        byte[] body;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // HttpClient.Timeout surfaces as TaskCanceledException (inner TimeoutException) with our token not cancelled.
            var after = _http.Timeout == Timeout.InfiniteTimeSpan ? "" : Invariant($" after {_http.Timeout.TotalSeconds:0.###} s");
            return new Exchange(0, null, GraphError.Transport("timeout", null, mayHaveBeenSent: true, details: "no answer from Meta" + after));
        }
        catch (HttpRequestException e)
        {
            return new Exchange(0, null, ConnectionError(e));
        }

        JsonDocument? doc = null;
        try
        {
            doc = body.Length == 0 ? null : JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        if (status is < 200 or > 299)
        {
            using (doc)
            {
                if (doc is not null && ReadEnvelope(doc.RootElement, status) is { } envelopeError)
                {
                    return new Exchange(status, null, envelopeError);
                }
            }
            return new Exchange(status, null, GraphError.Transport(
                Invariant($"HTTP {status}"), status, mayHaveBeenSent: status >= 500, details: "answer without a Graph error envelope"));
        }

        if (doc is null)
        {
            return new Exchange(status, null, Unexpected(status, "the answer is not JSON"));
        }
        if (ReadEnvelope(doc.RootElement, status) is { } error)
        {
            doc.Dispose();
            return new Exchange(status, null, error);
        }
        return new Exchange(status, doc, null);
    }

    private GraphError? ReadEnvelope(JsonElement root, int status)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var e) || e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (GetInt64(e, "code") is not { } code64 || code64 is < int.MinValue or > int.MaxValue)
        {
            return null;
        }
        var code = (int)code64;
        string? details = null;
        if (e.TryGetProperty("error_data", out var data))
        {
            details = data.ValueKind switch
            {
                JsonValueKind.Object => GetString(data, "details"),
                JsonValueKind.String => data.GetString(),
                _ => null,
            };
        }
        var subcode = GetInt64(e, "error_subcode");
        return new GraphError
        {
            HttpStatus = status,
            Code = code,
            Message = Redact(GetString(e, "message")) ?? Invariant($"Graph error {code}"),
            Details = Redact(details),
            Type = GetString(e, "type"),
            Subcode = subcode is >= int.MinValue and <= int.MaxValue ? (int)subcode : null,
            FbTraceId = GetString(e, "fbtrace_id"),
            Class = ErrorClassifier.Classify(code, status),
        };
    }

    private GraphError ConnectionError(HttpRequestException e)
    {
        var refused = FindSocketError(e) == SocketError.ConnectionRefused;
        var beforeSending = refused || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;
        var message = refused ? "connection refused"
            : beforeSending ? "connection error"
            : "connection lost";
        return GraphError.Transport(message, null, mayHaveBeenSent: !beforeSending, details: Redact(e.Message));
    }

    private static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException s)
            {
                return s.SocketErrorCode;
            }
        }
        return null;
    }

    /// <summary>A 2xx answer we can't use: don't resend blindly (it may have been accepted); Permanent by classification.</summary>
    private static GraphError Unexpected(int status, string what) =>
        GraphError.Transport(Invariant($"unexpected answer (HTTP {status}): {what}"), status, mayHaveBeenSent: true);

    private string? Redact(string? text) =>
        text is null ? null : text.Replace(_options.AccessToken, "[redacted]", StringComparison.Ordinal);

    private static string? GetString(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? GetInt64(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n))
        {
            return n;
        }
        return v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Lets <see cref="StreamContent"/> read the caller's stream without disposing it.</summary>
    private sealed class LeaveOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hubix.Sandbox.Graph;

/// <summary>
/// An error in Meta's Graph envelope:
/// <c>{"error":{"message","type","code","error_data":{"messaging_product","details"},"error_subcode"?,"fbtrace_id"}}</c>.
/// </summary>
internal sealed record GraphError(int HttpStatus, int Code, string Message, string? Details, string Type = "OAuthException", int? Subcode = null, bool? IsTransient = null)
{
    public static GraphError InvalidParameter(string details) => new(400, 100, "(#100) Invalid parameter", details);

    public static GraphError InvalidToken() => new(401, 190, "Invalid OAuth access token - Cannot parse access token", null);

    public static GraphError UnknownObject(string id, string method) => new(400, 100,
        $"Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        null, "GraphMethodException", 33);

    public static GraphError Throughput() => new(400, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.", Subcode: 2494055);

    public static GraphError PairRate() => new(400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.");

    public static GraphError TemplateMissing(string name, string language) => new(400, 132001, "(#132001) Template name does not exist in the translation",
        $"template name ({name}) does not exist in {language}");

    public static GraphError ParamCount(string component, int given, int expected) => new(400, 132000,
        "(#132000) Number of parameters does not match the expected number of params",
        string.Create(CultureInfo.InvariantCulture, $"{component}: number of localizable_params ({given}) does not match the expected number of params ({expected})"));

    public static GraphError Transient() => new(500, 2, "An unexpected error has occurred. Please retry your request later.", null, IsTransient: true);

    public IResult ToResult() => new JsonBytesResult(Serialize(), HttpStatus);

    public byte[] Serialize()
    {
        using var buffer = new PooledWriter();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", Message);
        w.WriteString("type", Type);
        w.WriteNumber("code", Code);
        if (Details is not null)
        {
            w.WriteStartObject("error_data");
            w.WriteString("messaging_product", "whatsapp");
            w.WriteString("details", Details);
            w.WriteEndObject();
        }
        if (Subcode is { } sub) w.WriteNumber("error_subcode", sub);
        if (IsTransient is { } transient) w.WriteBoolean("is_transient", transient);
        w.WriteString("fbtrace_id", Ids.NewFbTraceId());
        w.WriteEndObject();
        w.WriteEndObject();
        return buffer.ToArray();
    }
}

/// <summary>Writes pre-serialized JSON with a status code.</summary>
internal sealed class JsonBytesResult(byte[] body, int status = 200, string contentType = "application/json; charset=UTF-8") : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = contentType;
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    public static JsonBytesResult Write(Action<Utf8JsonWriter> write, int status = 200)
    {
        using var buffer = new PooledWriter();
        write(buffer.Writer);
        return new JsonBytesResult(buffer.ToArray(), status);
    }
}

/// <summary>A Utf8JsonWriter over a growable buffer.</summary>
internal sealed class PooledWriter : IDisposable
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(512);

    public PooledWriter() => Writer = new Utf8JsonWriter(_buffer);

    public Utf8JsonWriter Writer { get; }

    public byte[] ToArray()
    {
        Writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => Writer.Dispose();
}

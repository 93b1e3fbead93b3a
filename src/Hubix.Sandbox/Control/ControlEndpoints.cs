using System.Text.Json;
using System.Text.Json.Serialization;
using Hubix.Sandbox.Graph;
using Hubix.Sandbox.Phones;
using Hubix.Sandbox.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Control;

internal sealed record PhoneView(string Phone, string Name, DateTimeOffset? WindowOpenUntil, bool WindowOpen, int Messages);

internal sealed record ButtonView(int Index, string Title, string? Id, string? Payload, string? Description);

/// <summary>One chat entry. <c>direction</c>: <c>out</c> = business to phone, <c>in</c> = phone to business.</summary>
internal sealed record MessageView(
    string Id, string Direction, string Type, string? Text, string? Caption, string? Link, string? MediaId, string? Filename,
    string? Template, string? Language, IReadOnlyList<string>? Parameters, IReadOnlyList<ButtonView>? Buttons, string? ListButton,
    string? Header, string? Footer, string? Context, string? Payload, string? BizOpaqueCallbackData, string Status, DateTimeOffset At);

internal sealed record TapRequest(string? MessageId, JsonElement Button);

internal sealed record TextRequest(string? Body);

internal sealed record MediaRequest(string? Caption, string? MimeType, string? Base64, string? Filename);

internal sealed record CreatePhoneRequest(string? Phone, string? Name, bool WindowOpen);

internal sealed record InboundCreated(string Id, string? MediaId);

internal sealed record ControlError(string Error);

/// <summary>The control API under <c>/_sandbox/</c> (not part of Graph): phones, taps, faults, stats, reset, and the page.</summary>
internal static class ControlEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Map(IEndpointRouteBuilder e)
    {
        var g = e.MapGroup("/_sandbox").WithTags("Sandbox control").AddEndpointFilter(RequireControlHeader);
        g.MapGet("", Page).WithName("SandboxPage");
        g.MapGet("/phones", Phones).WithName("SandboxPhones");
        g.MapPost("/phones", CreatePhone).WithName("SandboxCreatePhone");
        g.MapGet("/phones/{phone}/messages", (string phone, PhoneBook book) => Chat(phone, book, inbound: false)).WithName("SandboxPhoneMessages");
        g.MapGet("/phones/{phone}/chat", (string phone, PhoneBook book) => Chat(phone, book, inbound: true)).WithName("SandboxPhoneChat");
        g.MapPost("/phones/{phone}/tap", Tap).WithName("SandboxTap");
        g.MapPost("/phones/{phone}/text", Text).WithName("SandboxText");
        g.MapPost("/phones/{phone}/image", (string phone, HttpContext http, SandboxService s) => MediaAsync(phone, "image", http, s)).WithName("SandboxImage");
        g.MapPost("/phones/{phone}/document", (string phone, HttpContext http, SandboxService s) => MediaAsync(phone, "document", http, s)).WithName("SandboxDocument");
        g.MapGet("/faults", (FaultInjector f) => Results.Json(f.Current, Json)).WithName("SandboxGetFaults");
        g.MapPost("/faults", SetFaultsAsync).WithName("SandboxSetFaults");
        g.MapPost("/reset", (SandboxService s) =>
        {
            s.Reset();
            return Results.NoContent();
        }).WithName("SandboxReset");
        g.MapGet("/stats", (SandboxStats stats, PhoneBook book, WebhookDispatcher webhooks, DelayScheduler scheduler) =>
            Results.Json(stats.Snapshot(book.Phones.Count, webhooks.Queued, scheduler.Pending), Json)).WithName("SandboxStats");
    }

    /// <summary>Control POSTs need <see cref="SandboxSafety.ControlHeader"/>: 1, which a cross-site form cannot send.</summary>
    private static async ValueTask<object?> RequireControlHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (SandboxSafety.IsRefusedControlRequest(context.HttpContext.Request))
        {
            return Results.Json(new ControlError($"Control requests need the header {SandboxSafety.ControlHeader}: 1."), Json, statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    private static IResult Page()
    {
        using var stream = typeof(ControlEndpoints).Assembly.GetManifestResourceStream("Hubix.Sandbox.wwwroot.index.html");
        if (stream is null) return Results.NotFound();
        using var reader = new StreamReader(stream);
        return Results.Content(reader.ReadToEnd(), "text/html; charset=utf-8");
    }

    private static IResult Phones(PhoneBook book, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var list = book.Phones.OrderBy(p => p.WaId, StringComparer.Ordinal)
            .Select(p => new PhoneView(p.WaId, p.Name, p.WindowOpenUntil, p.IsWindowOpen(now), p.Received)).ToList();
        return Results.Json(list, Json);
    }

    private static IResult CreatePhone(CreatePhoneRequest request, PhoneBook book, TimeProvider time, IOptions<SandboxOptions> options)
    {
        if (PhoneNumbers.Normalize(request.Phone) is not { } waId) return Error(400, "phone must be a phone number");
        var phone = book.GetOrAdd(waId, request.Name);
        if (request.WindowOpen) phone.OpenWindow(time.GetUtcNow() + options.Value.Window);
        return Results.Json(new PhoneView(phone.WaId, phone.Name, phone.WindowOpenUntil, phone.IsWindowOpen(time.GetUtcNow()), phone.Received), Json);
    }

    private static IResult Chat(string phone, PhoneBook book, bool inbound)
    {
        var p = book.Find(phone);
        if (p is null) return Error(404, $"unknown phone '{phone}'");
        var list = p.Snapshot().Where(m => inbound || m is OutboundMessage).Select(ToView).ToList();
        return Results.Json(list, Json);
    }

    private static IResult Tap(string phone, TapRequest request, SandboxService sandbox)
    {
        if (string.IsNullOrEmpty(request.MessageId)) return Error(400, "messageId is required");
        var button = request.Button.ValueKind switch
        {
            JsonValueKind.String => request.Button.GetString(),
            JsonValueKind.Number => request.Button.GetRawText(),
            _ => null,
        };
        if (string.IsNullOrEmpty(button)) return Error(400, "button (a title or an index) is required");
        return ToResult(sandbox.Tap(phone, request.MessageId, button));
    }

    private static IResult Text(string phone, TextRequest request, SandboxService sandbox) => ToResult(sandbox.Text(phone, request.Body ?? ""));

    private static async Task<IResult> MediaAsync(string phone, string type, HttpContext http, SandboxService sandbox)
    {
        MediaRequest? request = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                request = await http.Request.ReadFromJsonAsync<MediaRequest>(Json, http.RequestAborted);
            }
            catch (JsonException)
            {
                return Error(400, "the body must be JSON: {caption, mimeType, base64, filename}, all optional");
            }
        }
        byte[]? bytes = null;
        if (request?.Base64 is { Length: > 0 } b64)
        {
            try
            {
                bytes = Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                return Error(400, "base64 is not valid base64");
            }
        }
        var origin = $"{http.Request.Scheme}://{http.Request.Host}";
        return ToResult(sandbox.Media(phone, type, request?.Caption, request?.MimeType, bytes, request?.Filename, origin));
    }

    private static async Task<IResult> SetFaultsAsync(HttpContext http, FaultInjector faults)
    {
        FaultOptions? f;
        try
        {
            f = await http.Request.ReadFromJsonAsync<FaultOptions>(Json, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Error(400, "invalid faults: " + ex.Message);
        }
        if (f is null) return Error(400, "a JSON body is required");
        var errors = f.Validate("").ToList();
        if (errors.Count > 0) return Error(400, string.Join(" ", errors));
        faults.Set(f);
        return Results.Json(faults.Current, Json);
    }

    private static IResult ToResult(PhoneActionResult r) =>
        r.Message is { } m ? Results.Json(new InboundCreated(m.Id, m.MediaId), Json) : Error(r.Status, r.Error ?? "failed");

    private static IResult Error(int status, string message) => Results.Json(new ControlError(message), Json, statusCode: status);

    private static MessageView ToView(ChatEntry e) => e switch
    {
        OutboundMessage m => new MessageView(m.Id, "out", m.Type, m.Text, m.Caption, m.Link, m.MediaId, m.Filename, m.TemplateName, m.TemplateLanguage,
            m.TemplateName is null ? null : m.Parameters,
            m.Buttons.Count == 0 ? null : m.Buttons.Select((b, i) => new ButtonView(i, b.Title, b.Id, b.Payload, b.Description)).ToList(),
            m.ListButton, m.Header, m.Footer, m.ContextMessageId, null, m.BizOpaqueCallbackData, m.Status.ToString().ToLowerInvariant(), m.At),
        InboundMessage m => new MessageView(m.Id, "in", m.Type, m.Text, m.Caption, null, m.MediaId, null, null, null, null, null, null, null, null,
            m.ContextId, m.Payload ?? m.ReplyId, null, m.ReadByBusiness ? "read" : "received", m.At),
        _ => throw new InvalidOperationException("unknown chat entry"),
    };
}

using System.Globalization;
using System.Text.Json;
using Hubix.Sandbox.Graph;
using Hubix.Sandbox.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Account;

/// <summary>The business account as the sandbox plays it: the phone number's quality and messaging limit, subscribed apps.</summary>
internal sealed class AccountState(IOptions<SandboxOptions> options)
{
    private readonly Lock _lock = new();
    private readonly List<string> _subscribedApps = [];

    public string Quality { get; private set; } = "GREEN";

    /// <summary>TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED (<c>whatsapp_business_manager_messaging_limit</c>).</summary>
    public string MessagingLimit { get; private set; } = options.Value.MessagingLimitTier;

    public string Status { get; } = "CONNECTED";
    public string VerifiedName { get; } = "Hubix Sandbox";
    public string NameStatus { get; } = "APPROVED";

    public IReadOnlyList<string> SubscribedApps
    {
        get
        {
            lock (_lock) return _subscribedApps.ToList();
        }
    }

    public void Subscribe(string app)
    {
        lock (_lock)
        {
            if (!_subscribedApps.Contains(app, StringComparer.Ordinal)) _subscribedApps.Add(app);
        }
    }

    public (string OldQuality, string OldLimit) Set(string? quality, string? limit)
    {
        lock (_lock)
        {
            var before = (Quality, MessagingLimit);
            if (!string.IsNullOrEmpty(quality)) Quality = quality.ToUpperInvariant();
            if (!string.IsNullOrEmpty(limit)) MessagingLimit = limit.ToUpperInvariant();
            return before;
        }
    }
}

internal sealed record TemplateStatusRequest(string? Status, string? Reason);

internal sealed record TemplateCategoryRequest(string? Category);

internal sealed record TemplateQualityRequest(string? Quality);

internal sealed record PhoneNumberRequest(string? Quality, string? MessagingLimit, string? Event);

/// <summary>
/// Graph routes for the account (<c>/me</c>, <c>/me/permissions</c>, <c>/{waba-id}/subscribed_apps</c>, template creation)
/// and control routes under <c>/_sandbox/account</c> that change a template's status, category or quality and the
/// number's quality or messaging limit, each followed by the signed webhook Meta sends for it. Control POSTs need
/// <c>X-Sandbox-Control: 1</c> (a page elsewhere cannot trigger them).
/// </summary>
internal static class AccountGraph
{
    public const string AppId = "900000000000001";
    public const string AppName = "Hubix";
    public const string ControlHeader = "X-Sandbox-Control";

    public static GraphError TemplateUnavailable(TemplateDefinition t) => t.Status == "DISABLED"
        ? new(400, 132016, "(#132016) Template is disabled", $"Template {t.Name} has been paused too many times due to low quality and is now permanently disabled.")
        : new(400, 132015, "(#132015) Template is paused", $"Template {t.Name} is paused due to low quality so it cannot be sent in a template message.");

    public static void Map(IEndpointRouteBuilder e)
    {
        var g = e.MapGroup("/{version}").AddEndpointFilter(static (ctx, next) =>
            GraphEndpoints.IsVersion(ctx.HttpContext.Request.RouteValues["version"] as string) ? next(ctx) : ValueTask.FromResult<object?>(Results.NotFound()));
        g.MapGet("/me", Me).WithName("GraphMe");
        g.MapGet("/me/permissions", Permissions).WithName("GraphMePermissions");
        g.MapGet("/{wabaId}/subscribed_apps", SubscribedApps).WithName("GraphListSubscribedApps");
        g.MapPost("/{wabaId}/subscribed_apps", Subscribe).WithName("GraphSubscribeApp");
        g.MapPost("/{wabaId}/message_templates", CreateTemplateAsync).WithName("GraphCreateTemplate");

        var c = e.MapGroup("/_sandbox/account").WithTags("Sandbox control").AddEndpointFilter(static (ctx, next) =>
            HttpMethods.IsGet(ctx.HttpContext.Request.Method) || ctx.HttpContext.Request.Headers[ControlHeader] == "1"
                ? next(ctx)
                : ValueTask.FromResult<object?>(Results.Json(new { error = $"control requests need the header {ControlHeader}: 1" }, statusCode: 403)));
        c.MapGet("", State).WithName("SandboxAccount");
        c.MapPost("/templates/{name}/{language}/status", SetStatus).WithName("SandboxTemplateStatus");
        c.MapPost("/templates/{name}/{language}/category", SetCategory).WithName("SandboxTemplateCategory");
        c.MapPost("/templates/{name}/{language}/quality", SetQuality).WithName("SandboxTemplateQuality");
        c.MapPost("/phone-number", SetPhoneNumber).WithName("SandboxPhoneNumber");
    }

    /// <summary>The phone number object's fields (<c>GET /{phone-number-id}</c>).</summary>
    public static void WritePhone(Utf8JsonWriter w, SandboxOptions o, AccountState a)
    {
        w.WriteStartObject();
        w.WriteString("verified_name", a.VerifiedName);
        w.WriteString("display_phone_number", o.DisplayPhoneNumber);
        w.WriteString("quality_rating", a.Quality);
        w.WriteString("status", a.Status);
        w.WriteString("name_status", a.NameStatus);
        w.WriteString("whatsapp_business_manager_messaging_limit", a.MessagingLimit);
        w.WriteString("id", o.PhoneNumberId);
        w.WriteEndObject();
    }

    private static IResult Me(HttpContext http, IOptions<SandboxOptions> options)
    {
        if (!GraphEndpoints.Authorized(http, options.Value)) return GraphError.InvalidToken().ToResult();
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", "100000000000042");
            w.WriteString("name", "Hubix Sandbox System User");
            w.WriteEndObject();
        });
    }

    private static IResult Permissions(HttpContext http, IOptions<SandboxOptions> options)
    {
        if (!GraphEndpoints.Authorized(http, options.Value)) return GraphError.InvalidToken().ToResult();
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var p in new[] { "whatsapp_business_messaging", "whatsapp_business_management" })
            {
                w.WriteStartObject();
                w.WriteString("permission", p);
                w.WriteString("status", "granted");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static IResult SubscribedApps(string wabaId, HttpContext http, IOptions<SandboxOptions> options, AccountState account)
    {
        var o = options.Value;
        if (!GraphEndpoints.Authorized(http, o)) return GraphError.InvalidToken().ToResult();
        if (!string.Equals(wabaId, o.BusinessAccountId, StringComparison.Ordinal)) return GraphError.UnknownObject(wabaId, "get").ToResult();
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var app in account.SubscribedApps)
            {
                w.WriteStartObject();
                w.WriteStartObject("whatsapp_business_api_data");
                w.WriteString("id", app);
                w.WriteString("link", "https://www.facebook.com/games/?app_id=" + app);
                w.WriteString("name", AppName);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static IResult Subscribe(string wabaId, HttpContext http, IOptions<SandboxOptions> options, AccountState account)
    {
        var o = options.Value;
        if (!GraphEndpoints.Authorized(http, o)) return GraphError.InvalidToken().ToResult();
        if (!string.Equals(wabaId, o.BusinessAccountId, StringComparison.Ordinal)) return GraphError.UnknownObject(wabaId, "post").ToResult();
        account.Subscribe(AppId);
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteEndObject();
        });
    }

    /// <summary>Creates a template; the sandbox approves a UTILITY or MARKETING one at once and sends the status webhook.</summary>
    private static async Task<IResult> CreateTemplateAsync(
        string wabaId, HttpContext http, IOptions<SandboxOptions> options, TemplateCatalog templates, WebhookDispatcher webhooks, TimeProvider time)
    {
        var o = options.Value;
        if (!GraphEndpoints.Authorized(http, o)) return GraphError.InvalidToken().ToResult();
        if (!string.Equals(wabaId, o.BusinessAccountId, StringComparison.Ordinal)) return GraphError.UnknownObject(wabaId, "post").ToResult();
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException)
        {
            return GraphError.InvalidParameter("The request body must be JSON.").ToResult();
        }

        using (doc)
        {
            var r = doc.RootElement;
            var name = Str(r, "name");
            var category = Str(r, "category")?.ToUpperInvariant();
            var language = Str(r, "language");
            if (string.IsNullOrEmpty(name) || name.Length > 512 || name.Any(ch => !(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_')))
                return GraphError.InvalidParameter("Param name must be at most 512 characters of [a-z0-9_].").ToResult();
            if (category is not ("UTILITY" or "MARKETING" or "AUTHENTICATION")) return GraphError.InvalidParameter("Param category must be one of UTILITY, MARKETING, AUTHENTICATION.").ToResult();
            if (string.IsNullOrEmpty(language)) return GraphError.InvalidParameter("The parameter language is required.").ToResult();
            string? body = null;
            var buttons = new List<string>();
            if (r.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
            {
                foreach (var comp in components.EnumerateArray())
                {
                    var type = Str(comp, "type")?.ToUpperInvariant();
                    if (type == "BODY") body = Str(comp, "text");
                    if (type == "BUTTONS" && comp.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array)
                    {
                        buttons.AddRange(list.EnumerateArray().Where(b => string.Equals(Str(b, "type"), "QUICK_REPLY", StringComparison.OrdinalIgnoreCase))
                            .Select(b => Str(b, "text") ?? ""));
                    }
                }
            }
            if (string.IsNullOrEmpty(body)) return GraphError.InvalidParameter("A BODY component with text is required.").ToResult();
            var def = templates.Add(new TemplateOptions { Name = name, Language = language, Category = category, Status = "APPROVED", Body = body, Buttons = buttons });
            webhooks.EnqueueMessage(Envelope(o, time, "message_template_status_update", w =>
            {
                w.WriteString("event", "APPROVED");
                w.WriteNumber("message_template_id", long.Parse(def.Id, CultureInfo.InvariantCulture));
                w.WriteString("message_template_name", def.Name);
                w.WriteString("message_template_language", def.Language);
                w.WriteString("reason", "NONE");
            }));
            return JsonBytesResult.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", def.Id);
                w.WriteString("status", def.Status);
                w.WriteString("category", def.Category);
                w.WriteEndObject();
            });
        }
    }

    private static IResult State(AccountState account, TemplateCatalog templates) => Results.Json(new
    {
        quality = account.Quality,
        messagingLimit = account.MessagingLimit,
        subscribedApps = account.SubscribedApps,
        templates = templates.All.Select(t => new { t.Name, t.Language, t.Status, t.Category }),
    });

    private static IResult SetStatus(string name, string language, TemplateStatusRequest request, IOptions<SandboxOptions> options, TemplateCatalog templates,
        WebhookDispatcher webhooks, TimeProvider time)
    {
        var status = request.Status?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(status)) return Error(400, "status is required (APPROVED, PAUSED, DISABLED, REJECTED ...)");
        var changed = templates.Update(name, language, t => t with { Status = status });
        if (changed is null) return Error(404, $"unknown template {name} ({language})");
        var t = changed.Value.After;
        webhooks.EnqueueMessage(Envelope(options.Value, time, "message_template_status_update", w =>
        {
            w.WriteString("event", status);
            w.WriteNumber("message_template_id", long.Parse(t.Id, CultureInfo.InvariantCulture));
            w.WriteString("message_template_name", t.Name);
            w.WriteString("message_template_language", t.Language);
            w.WriteString("reason", request.Reason ?? "NONE");
        }));
        return Results.Json(new { t.Name, t.Language, t.Status, t.Category });
    }

    private static IResult SetCategory(string name, string language, TemplateCategoryRequest request, IOptions<SandboxOptions> options, TemplateCatalog templates,
        WebhookDispatcher webhooks, TimeProvider time)
    {
        var category = request.Category?.Trim().ToUpperInvariant();
        if (category is not ("UTILITY" or "MARKETING" or "AUTHENTICATION")) return Error(400, "category must be UTILITY, MARKETING or AUTHENTICATION");
        var changed = templates.Update(name, language, t => t with { Category = category });
        if (changed is null) return Error(404, $"unknown template {name} ({language})");
        var (before, t) = changed.Value;
        webhooks.EnqueueMessage(Envelope(options.Value, time, "template_category_update", w =>
        {
            w.WriteNumber("message_template_id", long.Parse(t.Id, CultureInfo.InvariantCulture));
            w.WriteString("message_template_name", t.Name);
            w.WriteString("message_template_language", t.Language);
            w.WriteString("previous_category", before.Category);
            w.WriteString("new_category", t.Category);
        }));
        return Results.Json(new { t.Name, t.Language, t.Status, t.Category });
    }

    private static IResult SetQuality(string name, string language, TemplateQualityRequest request, IOptions<SandboxOptions> options, TemplateCatalog templates,
        WebhookDispatcher webhooks, TimeProvider time)
    {
        var quality = request.Quality?.Trim().ToUpperInvariant();
        if (quality is not ("GREEN" or "YELLOW" or "RED" or "UNKNOWN")) return Error(400, "quality must be GREEN, YELLOW, RED or UNKNOWN");
        var t = templates.Find(name, language);
        if (t is null) return Error(404, $"unknown template {name} ({language})");
        webhooks.EnqueueMessage(Envelope(options.Value, time, "message_template_quality_update", w =>
        {
            w.WriteString("previous_quality_score", "GREEN");
            w.WriteString("new_quality_score", quality);
            w.WriteNumber("message_template_id", long.Parse(t.Id, CultureInfo.InvariantCulture));
            w.WriteString("message_template_name", t.Name);
            w.WriteString("message_template_language", t.Language);
        }));
        return Results.Json(new { t.Name, t.Language, quality });
    }

    private static IResult SetPhoneNumber(PhoneNumberRequest request, IOptions<SandboxOptions> options, AccountState account, WebhookDispatcher webhooks, TimeProvider time)
    {
        var limit = request.MessagingLimit?.Trim().ToUpperInvariant();
        if (limit is not null && !limit.StartsWith("TIER_", StringComparison.Ordinal)) return Error(400, "messagingLimit must be a tier such as TIER_250, TIER_2K, TIER_UNLIMITED");
        var (_, oldLimit) = account.Set(request.Quality, limit);
        var o = options.Value;
        webhooks.EnqueueMessage(Envelope(o, time, "phone_number_quality_update", w =>
        {
            w.WriteString("display_phone_number", o.DisplayPhoneNumber);
            w.WriteString("event", request.Event?.ToUpperInvariant() ?? (request.Quality is "RED" or "YELLOW" ? "FLAGGED" : "UNFLAGGED"));
            w.WriteString("old_limit", oldLimit);
            w.WriteString("current_limit", account.MessagingLimit);
            w.WriteString("max_daily_conversations_per_business", account.MessagingLimit);
        }));
        return Results.Json(new { quality = account.Quality, messagingLimit = account.MessagingLimit });
    }

    /// <summary>An account-level webhook: <c>entry[].time</c>, no metadata, the field's own value.</summary>
    private static byte[] Envelope(SandboxOptions o, TimeProvider time, string field, Action<Utf8JsonWriter> writeValue)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("object", "whatsapp_business_account");
            w.WriteStartArray("entry");
            w.WriteStartObject();
            w.WriteString("id", o.BusinessAccountId);
            w.WriteNumber("time", time.GetUtcNow().ToUnixTimeSeconds());
            w.WriteStartArray("changes");
            w.WriteStartObject();
            w.WriteStartObject("value");
            writeValue(w);
            w.WriteEndObject();
            w.WriteString("field", field);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}

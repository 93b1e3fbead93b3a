using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hubix.Sandbox.Phones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Graph;

/// <summary>The Graph API routes, at the root like graph.facebook.com: <c>/{version}/…</c>.</summary>
internal static class GraphEndpoints
{
    public static void Map(IEndpointRouteBuilder e)
    {
        // No regex route constraint: the slim builder does not register it. Literal routes (/_sandbox/…) win anyway,
        // and this filter turns away anything that is not a Graph version like "v23.0".
        var g = e.MapGroup("/{version}").AddEndpointFilter(static (ctx, next) =>
            IsVersion(ctx.HttpContext.Request.RouteValues["version"] as string) ? next(ctx) : ValueTask.FromResult<object?>(Results.NotFound()));
        g.MapPost("/{phoneNumberId}/messages", SendAsync).WithName("GraphSendMessage");
        g.MapPost("/{phoneNumberId}/media", UploadAsync).WithName("GraphUploadMedia").DisableAntiforgery();
        g.MapGet("/{id}", GetObject).WithName("GraphGetObject");
        g.MapDelete("/{id}", DeleteObject).WithName("GraphDeleteObject");
        g.MapGet("/{wabaId}/message_templates", ListTemplates).WithName("GraphListTemplates");
        e.MapGet(MediaStore.DownloadPath, Download).WithName("GraphMediaDownload");
    }

    internal static bool IsVersion(string? v)
    {
        if (v is not { Length: >= 4 } || v[0] != 'v') return false;
        var dot = v.IndexOf('.', StringComparison.Ordinal);
        return dot > 1 && dot < v.Length - 1 && !v.AsSpan(1, dot - 1).ContainsAnyExceptInRange('0', '9') && !v.AsSpan(dot + 1).ContainsAnyExceptInRange('0', '9');
    }

    private static async Task<IResult> SendAsync(string phoneNumberId, HttpContext http, IOptions<SandboxOptions> options, SandboxService sandbox,
        TemplateCatalog templates, FaultInjector faults, SandboxStats stats, TimeProvider time)
    {
        var o = options.Value;
        var ct = http.RequestAborted;
        if (!Authorized(http, o)) return Reject(stats, GraphError.InvalidToken());
        if (!string.Equals(phoneNumberId, o.PhoneNumberId, StringComparison.Ordinal)) return Reject(stats, GraphError.UnknownObject(phoneNumberId, "post"));

        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(http.Request.Body, default, ct);
        }
        catch (JsonException)
        {
            return Reject(stats, GraphError.InvalidParameter("The request body is not valid JSON."));
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String)
            {
                return MarkRead(root, status.GetString(), sandbox, stats);
            }

            var f = faults.Current;
            if (faults.Roll(f.SendErrorShare)) return Reject(stats, GraphError.Transient());
            if (faults.Roll(f.SendRateLimitShare)) return Reject(stats, GraphError.Throughput());

            var error = SendRequestParser.Parse(root, templates, out var draft);
            OutboundMessage? message = null;
            if (error is null) error = sandbox.Send(draft!, out message);
            if (error is not null) return Reject(stats, error);

            if (faults.Roll(f.SendTimeoutShare))
            {
                // Accepted (statuses will flow) but the answer is held past the client's timeout: the caller cannot
                // know whether the message went out, exactly the ambiguity a real timeout leaves.
                stats.OnHeld();
                try
                {
                    await Task.Delay(f.SendTimeout, time, ct);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }
            }
            return JsonBytesResult.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("messaging_product", "whatsapp");
                w.WriteStartArray("contacts");
                w.WriteStartObject();
                w.WriteString("input", draft!.To);
                w.WriteString("wa_id", draft.WaId);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteStartArray("messages");
                w.WriteStartObject();
                w.WriteString("id", message!.Id);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
    }

    private static IResult MarkRead(JsonElement root, string? status, SandboxService sandbox, SandboxStats stats)
    {
        if (!string.Equals(status, "read", StringComparison.Ordinal)) return Reject(stats, GraphError.InvalidParameter("Param status must be 'read'."));
        var id = root.TryGetProperty("message_id", out var mid) && mid.ValueKind == JsonValueKind.String ? mid.GetString() : null;
        if (string.IsNullOrEmpty(id)) return Reject(stats, GraphError.InvalidParameter("The parameter message_id is required."));
        if (!sandbox.MarkRead(id)) return Reject(stats, GraphError.InvalidParameter($"Param message_id '{id}' is not a message received by this phone number."));
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> UploadAsync(string phoneNumberId, HttpContext http, IOptions<SandboxOptions> options, MediaStore media, SandboxStats stats)
    {
        var o = options.Value;
        if (!Authorized(http, o)) return Reject(stats, GraphError.InvalidToken());
        if (!string.Equals(phoneNumberId, o.PhoneNumberId, StringComparison.Ordinal)) return Reject(stats, GraphError.UnknownObject(phoneNumberId, "post"));
        if (!http.Request.HasFormContentType) return Reject(stats, GraphError.InvalidParameter("The request must be multipart/form-data with messaging_product, file and type."));
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!string.Equals(form["messaging_product"], "whatsapp", StringComparison.Ordinal)) return Reject(stats, GraphError.InvalidParameter("The parameter messaging_product is required and must be 'whatsapp'."));
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0) return Reject(stats, GraphError.InvalidParameter("The parameter file is required."));
        var type = form["type"].ToString();
        if (string.IsNullOrEmpty(type)) type = file.ContentType;
        if (string.IsNullOrEmpty(type)) return Reject(stats, GraphError.InvalidParameter("The parameter type is required."));
        var limit = type switch
        {
            _ when type.StartsWith("image/", StringComparison.Ordinal) => 5L << 20,
            _ when type.StartsWith("audio/", StringComparison.Ordinal) || type.StartsWith("video/", StringComparison.Ordinal) => 16L << 20,
            _ => 100L << 20,
        };
        if (file.Length > limit)
        {
            return Reject(stats, GraphError.InvalidParameter(string.Create(CultureInfo.InvariantCulture, $"Param file must be at most {limit >> 20} MB for type {type}.")));
        }
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, http.RequestAborted);
        var item = media.Add(type, buffer.ToArray(), file.FileName);
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", item.Id);
            w.WriteEndObject();
        });
    }

    private static IResult GetObject(string id, HttpContext http, IOptions<SandboxOptions> options, MediaStore media, SandboxStats stats, Account.AccountState account)
    {
        var o = options.Value;
        if (!Authorized(http, o)) return Reject(stats, GraphError.InvalidToken());
        if (string.Equals(id, o.PhoneNumberId, StringComparison.Ordinal))
        {
            return JsonBytesResult.Write(w => Account.AccountGraph.WritePhone(w, o, account));
        }
        var item = media.Find(id);
        if (item is null) return Reject(stats, GraphError.UnknownObject(id, "get"));
        var url = media.UrlFor(item, Origin(http));
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("messaging_product", "whatsapp");
            w.WriteString("url", url);
            w.WriteString("mime_type", item.MimeType);
            w.WriteString("sha256", item.Sha256);
            w.WriteNumber("file_size", item.Bytes.Length);
            w.WriteString("id", item.Id);
            w.WriteEndObject();
        });
    }

    private static IResult DeleteObject(string id, HttpContext http, IOptions<SandboxOptions> options, MediaStore media, SandboxStats stats)
    {
        if (!Authorized(http, options.Value)) return Reject(stats, GraphError.InvalidToken());
        if (!media.Delete(id)) return Reject(stats, GraphError.UnknownObject(id, "delete"));
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteEndObject();
        });
    }

    private static IResult Download(HttpContext http, IOptions<SandboxOptions> options, MediaStore media)
    {
        if (!Authorized(http, options.Value)) return GraphError.InvalidToken().ToResult();
        var q = http.Request.Query;
        var item = media.Resolve(q["mid"], q["ext"], q["hash"]);
        return item is null ? Results.NotFound() : Results.Bytes(item.Bytes, item.MimeType, item.Filename);
    }

    private static IResult ListTemplates(string wabaId, HttpContext http, IOptions<SandboxOptions> options, TemplateCatalog templates, SandboxStats stats)
    {
        var o = options.Value;
        if (!Authorized(http, o)) return Reject(stats, GraphError.InvalidToken());
        if (!string.Equals(wabaId, o.BusinessAccountId, StringComparison.Ordinal)) return Reject(stats, GraphError.UnknownObject(wabaId, "get"));
        var q = http.Request.Query;
        IEnumerable<TemplateDefinition> all = templates.All;
        if (q["name"].ToString() is { Length: > 0 } name) all = all.Where(t => t.Name.Contains(name, StringComparison.Ordinal));
        if (q["status"].ToString() is { Length: > 0 } st) all = all.Where(t => string.Equals(t.Status, st, StringComparison.OrdinalIgnoreCase));
        if (q["category"].ToString() is { Length: > 0 } cat) all = all.Where(t => string.Equals(t.Category, cat, StringComparison.OrdinalIgnoreCase));
        if (q["language"].ToString() is { Length: > 0 } lang) all = all.Where(t => string.Equals(t.Language, lang, StringComparison.Ordinal));
        var list = all.ToList();
        var limit = int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? Math.Min(l, 1000) : 25;
        var start = Cursor(q["after"]) is { } after ? after + 1 : Cursor(q["before"]) is { } before ? Math.Max(0, before - limit) : 0;
        start = Math.Clamp(start, 0, list.Count);
        var page = list.Skip(start).Take(limit).ToList();
        var fields = q["fields"].ToString() is { Length: > 0 } fs
            ? new HashSet<string>(fs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal) { "id" }
            : null;
        var origin = Origin(http);
        var version = http.Request.RouteValues["version"] as string;
        return JsonBytesResult.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var t in page) WriteTemplate(w, t, fields);
            w.WriteEndArray();
            w.WriteStartObject("paging");
            w.WriteStartObject("cursors");
            w.WriteString("before", MakeCursor(start));
            w.WriteString("after", MakeCursor(start + Math.Max(page.Count, 1) - 1));
            w.WriteEndObject();
            if (start + page.Count < list.Count)
            {
                var next = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{origin}/{version}/{wabaId}/message_templates?limit={limit}&after={Uri.EscapeDataString(MakeCursor(start + page.Count - 1))}"));
                if (fields is not null) next.Append("&fields=").Append(Uri.EscapeDataString(q["fields"].ToString()));
                w.WriteString("next", next.ToString());
            }
            if (start > 0)
            {
                w.WriteString("previous", string.Create(CultureInfo.InvariantCulture, $"{origin}/{version}/{wabaId}/message_templates?limit={limit}&before={Uri.EscapeDataString(MakeCursor(start))}"));
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void WriteTemplate(Utf8JsonWriter w, TemplateDefinition t, HashSet<string>? fields)
    {
        bool F(string name) => fields is null || fields.Contains(name);
        w.WriteStartObject();
        if (F("name")) w.WriteString("name", t.Name);
        if (F("parameter_format")) w.WriteString("parameter_format", t.IsNamed ? "NAMED" : "POSITIONAL");
        if (F("components"))
        {
            w.WriteStartArray("components");
            if (t.HeaderFormat is not null)
            {
                w.WriteStartObject();
                w.WriteString("type", "HEADER");
                w.WriteString("format", t.HeaderFormat);
                if (t.HeaderText is not null) w.WriteString("text", t.HeaderText);
                w.WriteEndObject();
            }
            w.WriteStartObject();
            w.WriteString("type", "BODY");
            w.WriteString("text", t.Body);
            if (t.BodyParameterCount > 0)
            {
                w.WriteStartObject("example");
                if (t.IsNamed)
                {
                    w.WriteStartArray("body_text_named_params");
                    foreach (var n in t.ParameterNames)
                    {
                        w.WriteStartObject();
                        w.WriteString("param_name", n);
                        w.WriteString("example", n);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteStartArray("body_text");
                    w.WriteStartArray();
                    for (var i = 1; i <= t.PositionalCount; i++) w.WriteStringValue(string.Create(CultureInfo.InvariantCulture, $"example {i}"));
                    w.WriteEndArray();
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (t.Buttons.Count > 0)
            {
                w.WriteStartObject();
                w.WriteString("type", "BUTTONS");
                w.WriteStartArray("buttons");
                foreach (var b in t.Buttons)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "QUICK_REPLY");
                    w.WriteString("text", b);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (F("language")) w.WriteString("language", t.Language);
        if (F("status")) w.WriteString("status", t.Status);
        if (F("category")) w.WriteString("category", t.Category);
        w.WriteString("id", t.Id);
        w.WriteEndObject();
    }

    private static string MakeCursor(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes(index.ToString(CultureInfo.InvariantCulture)));

    private static int? Cursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            return int.TryParse(Encoding.ASCII.GetString(Convert.FromBase64String(cursor)), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Bearer header (or Graph's <c>access_token</c> query parameter), compared in constant time.</summary>
    internal static bool Authorized(HttpContext http, SandboxOptions o)
    {
        string? token = null;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header[7..].Trim();
        else if (http.Request.Query.TryGetValue("access_token", out var q)) token = q.ToString();
        if (string.IsNullOrEmpty(token)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(o.AccessToken));
    }

    private static string Origin(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";

    private static IResult Reject(SandboxStats stats, GraphError error)
    {
        stats.OnRejected(error.Code);
        return error.ToResult();
    }
}

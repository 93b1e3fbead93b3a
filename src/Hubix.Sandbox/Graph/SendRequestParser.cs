using System.Globalization;
using System.Text.Json;
using Hubix.Sandbox.Phones;

namespace Hubix.Sandbox.Graph;

/// <summary>A send request that passed validation.</summary>
internal sealed class SendDraft
{
    public required string To { get; init; }
    public required string WaId { get; init; }
    public required string Type { get; init; }
    public string? Text { get; set; }
    public string? Caption { get; set; }
    public string? Link { get; set; }
    public string? MediaId { get; set; }
    public string? Filename { get; set; }
    public TemplateDefinition? Template { get; set; }
    public List<string> Parameters { get; } = [];
    public List<ButtonInfo> Buttons { get; } = [];
    public string? InteractiveType { get; set; }
    public string? ListButton { get; set; }
    public string? Header { get; set; }
    public string? Footer { get; set; }
    public string? BizOpaqueCallbackData { get; init; }
    public string? ContextMessageId { get; init; }
}

/// <summary>
/// Validates <c>POST /{phone-number-id}/messages</c> bodies with Meta's limits and error codes (REFERENCE §7, §10):
/// 100 for malformed or too-long fields (details name the parameter), 132001 for a template that is not approved
/// in that language, 132000 for a wrong parameter count.
/// </summary>
internal static class SendRequestParser
{
    private static readonly string[] MediaTypes = ["image", "document", "video", "audio", "sticker"];

    public static GraphError? Parse(JsonElement root, TemplateCatalog templates, out SendDraft? draft)
    {
        draft = null;
        if (root.ValueKind != JsonValueKind.Object) return GraphError.InvalidParameter("The request body must be a JSON object.");
        var product = Str(root, "messaging_product");
        if (product is null) return GraphError.InvalidParameter("The parameter messaging_product is required.");
        if (!string.Equals(product, "whatsapp", StringComparison.Ordinal)) return GraphError.InvalidParameter("Param messaging_product must be 'whatsapp'.");
        var recipientType = Str(root, "recipient_type");
        if (recipientType is not null && !string.Equals(recipientType, "individual", StringComparison.Ordinal))
        {
            return GraphError.InvalidParameter("Param recipient_type must be 'individual' (groups are not simulated).");
        }
        var to = Str(root, "to");
        if (to is null) return GraphError.InvalidParameter("The parameter to is required.");
        var waId = PhoneNumbers.Normalize(to);
        if (waId is null) return GraphError.InvalidParameter("Param to must be a valid phone number.");
        var type = Str(root, "type") ?? "text";
        var d = new SendDraft
        {
            To = to,
            WaId = waId,
            Type = type,
            BizOpaqueCallbackData = Str(root, "biz_opaque_callback_data"),
            ContextMessageId = root.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object ? Str(ctx, "message_id") : null,
        };
        if (d.BizOpaqueCallbackData is { Length: > 512 }) return GraphError.InvalidParameter("Param biz_opaque_callback_data must be at most 512 characters long.");
        var error = type switch
        {
            "text" => ParseText(root, d),
            "template" => ParseTemplate(root, d, templates),
            "interactive" => ParseInteractive(root, d),
            _ when MediaTypes.Contains(type) => ParseMedia(root, d, type),
            _ => GraphError.InvalidParameter($"Param type must be one of {{text, image, document, video, audio, sticker, template, interactive}} (was '{type}')."),
        };
        if (error is null) draft = d;
        return error;
    }

    private static GraphError? ParseText(JsonElement root, SendDraft d)
    {
        if (!Obj(root, "text", out var text)) return GraphError.InvalidParameter("The parameter text is required.");
        var body = Str(text, "body");
        if (string.IsNullOrEmpty(body)) return GraphError.InvalidParameter("The parameter text['body'] is required.");
        if (TooLong(body, 4096)) return TooLongError("text['body']", 4096);
        d.Text = body;
        return null;
    }

    private static GraphError? ParseMedia(JsonElement root, SendDraft d, string type)
    {
        if (!Obj(root, type, out var media)) return GraphError.InvalidParameter($"The parameter {type} is required.");
        d.Link = Str(media, "link");
        d.MediaId = Str(media, "id");
        if (d.Link is null == (d.MediaId is null)) return GraphError.InvalidParameter($"Param {type} must have exactly one of 'id' or 'link'.");
        if (d.Link is not null && !Uri.TryCreate(d.Link, UriKind.Absolute, out _)) return GraphError.InvalidParameter($"Param {type}['link'] must be a valid URL.");
        var caption = Str(media, "caption");
        if (caption is not null && type is "audio" or "sticker") return GraphError.InvalidParameter($"Param {type}['caption'] is not supported for {type}.");
        if (caption is not null && TooLong(caption, 1024)) return TooLongError($"{type}['caption']", 1024);
        d.Caption = caption;
        d.Filename = Str(media, "filename");
        return null;
    }

    private static GraphError? ParseTemplate(JsonElement root, SendDraft d, TemplateCatalog templates)
    {
        if (!Obj(root, "template", out var t)) return GraphError.InvalidParameter("The parameter template is required.");
        var name = Str(t, "name");
        if (string.IsNullOrEmpty(name)) return GraphError.InvalidParameter("The parameter template['name'] is required.");
        var language = Obj(t, "language", out var lang) ? Str(lang, "code") : null;
        if (string.IsNullOrEmpty(language)) return GraphError.InvalidParameter("The parameter template['language']['code'] is required.");
        var def = templates.Find(name, language);
        if (def is not null && def.Status is "PAUSED" or "DISABLED") return Account.AccountGraph.TemplateUnavailable(def);
        if (def is null || !string.Equals(def.Status, "APPROVED", StringComparison.Ordinal)) return GraphError.TemplateMissing(name, language);

        var body = new List<TemplateParameter>();
        var headerCount = 0;
        var payloads = new string?[def.Buttons.Count];
        if (t.TryGetProperty("components", out var components))
        {
            if (components.ValueKind != JsonValueKind.Array) return GraphError.InvalidParameter("Param template['components'] must be an array.");
            var ci = -1;
            foreach (var c in components.EnumerateArray())
            {
                ci++;
                var path = string.Create(CultureInfo.InvariantCulture, $"template['components'][{ci}]");
                var ctype = Str(c, "type")?.ToLowerInvariant();
                var parameters = c.TryGetProperty("parameters", out var ps) && ps.ValueKind == JsonValueKind.Array ? ps : default;
                switch (ctype)
                {
                    case "body":
                        if (parameters.ValueKind != JsonValueKind.Array) break;
                        var pi = -1;
                        foreach (var p in parameters.EnumerateArray())
                        {
                            pi++;
                            var value = ParameterValue(p);
                            if (value is null) return GraphError.InvalidParameter(string.Create(CultureInfo.InvariantCulture, $"Param {path}['parameters'][{pi}]['text'] is required."));
                            body.Add(new TemplateParameter(Str(p, "parameter_name"), value));
                        }
                        break;
                    case "header":
                        if (parameters.ValueKind != JsonValueKind.Array) break;
                        foreach (var p in parameters.EnumerateArray())
                        {
                            headerCount++;
                            var ptype = Str(p, "type");
                            if (ptype is "image" or "document" or "video" && Obj(p, ptype, out var media))
                            {
                                d.Link = Str(media, "link");
                                d.MediaId = Str(media, "id");
                            }
                            else if (ptype == "text")
                            {
                                d.Header = Str(p, "text");
                            }
                        }
                        break;
                    case "button":
                        var subType = Str(c, "sub_type")?.ToLowerInvariant();
                        if (subType != "quick_reply") return GraphError.InvalidParameter($"Param {path}['sub_type'] '{subType}' does not match a button of template {name} (it has QUICK_REPLY buttons only).");
                        var index = IndexOf(c);
                        if (index is null || index < 0 || index >= def.Buttons.Count)
                        {
                            return GraphError.InvalidParameter(string.Create(CultureInfo.InvariantCulture, $"Param {path}['index'] must be the index of a QUICK_REPLY button of template {name} (0..{def.Buttons.Count - 1})."));
                        }
                        if (parameters.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var p in parameters.EnumerateArray())
                            {
                                var payload = Str(p, "payload");
                                if (payload is null) return GraphError.InvalidParameter($"Param {path}['parameters'][0]['payload'] is required for a quick_reply button.");
                                if (TooLong(payload, 1000)) return TooLongError($"{path}['parameters'][0]['payload']", 1000);
                                payloads[index.Value] = payload;
                            }
                        }
                        break;
                    default:
                        return GraphError.InvalidParameter($"Param {path}['type'] must be one of {{header, body, button}}.");
                }
            }
        }
        if (headerCount != def.HeaderParameterCount) return GraphError.ParamCount("header", headerCount, def.HeaderParameterCount);
        if (body.Count != def.BodyParameterCount) return GraphError.ParamCount("body", body.Count, def.BodyParameterCount);
        if (def.IsNamed)
        {
            foreach (var n in def.ParameterNames)
            {
                if (!body.Any(p => string.Equals(p.Name, n, StringComparison.Ordinal)))
                {
                    return new GraphError(400, 132000, "(#132000) Number of parameters does not match the expected number of params", $"body: parameter_name '{n}' is missing");
                }
            }
        }
        d.Template = def;
        d.Text = def.Render(body);
        d.Parameters.AddRange(body.Select(p => p.Value));
        for (var i = 0; i < def.Buttons.Count; i++) d.Buttons.Add(new ButtonInfo(null, def.Buttons[i], payloads[i]));
        return null;
    }

    private static GraphError? ParseInteractive(JsonElement root, SendDraft d)
    {
        if (!Obj(root, "interactive", out var it)) return GraphError.InvalidParameter("The parameter interactive is required.");
        var itype = Str(it, "type");
        if (itype is null) return GraphError.InvalidParameter("The parameter interactive['type'] is required.");
        d.InteractiveType = itype;
        var bodyText = Obj(it, "body", out var body) ? Str(body, "text") : null;
        if (Obj(it, "footer", out var footer))
        {
            d.Footer = Str(footer, "text");
            if (d.Footer is not null && TooLong(d.Footer, 60)) return TooLongError("interactive['footer']['text']", 60);
        }
        if (Obj(it, "header", out var header))
        {
            var htype = Str(header, "type");
            if (htype == "text")
            {
                d.Header = Str(header, "text");
                if (d.Header is not null && TooLong(d.Header, 60)) return TooLongError("interactive['header']['text']", 60);
            }
            else if (htype is "image" or "video" or "document" && Obj(header, htype, out var media))
            {
                d.Link = Str(media, "link");
                d.MediaId = Str(media, "id");
            }
        }
        Obj(it, "action", out var action);
        switch (itype)
        {
            case "button":
                if (string.IsNullOrEmpty(bodyText)) return GraphError.InvalidParameter("The parameter interactive['body']['text'] is required.");
                if (TooLong(bodyText, 1024)) return TooLongError("interactive['body']['text']", 1024);
                if (action.ValueKind != JsonValueKind.Object || !action.TryGetProperty("buttons", out var buttons) || buttons.ValueKind != JsonValueKind.Array || buttons.GetArrayLength() == 0)
                {
                    return GraphError.InvalidParameter("Param interactive['action']['buttons'] must have at least 1 element.");
                }
                if (buttons.GetArrayLength() > 3) return GraphError.InvalidParameter("Param interactive['action']['buttons'] must have at most 3 elements.");
                var bi = -1;
                foreach (var b in buttons.EnumerateArray())
                {
                    bi++;
                    var path = string.Create(CultureInfo.InvariantCulture, $"interactive['action']['buttons'][{bi}]");
                    if (!string.Equals(Str(b, "type"), "reply", StringComparison.Ordinal)) return GraphError.InvalidParameter($"Param {path}['type'] must be 'reply'.");
                    if (!Obj(b, "reply", out var reply)) return GraphError.InvalidParameter($"The parameter {path}['reply'] is required.");
                    var id = Str(reply, "id");
                    var title = Str(reply, "title");
                    if (string.IsNullOrEmpty(id)) return GraphError.InvalidParameter($"The parameter {path}['reply']['id'] is required.");
                    if (TooLong(id, 256)) return TooLongError($"{path}['reply']['id']", 256);
                    if (string.IsNullOrEmpty(title)) return GraphError.InvalidParameter($"The parameter {path}['reply']['title'] is required.");
                    if (TooLong(title, 20)) return TooLongError($"{path}['reply']['title']", 20);
                    if (d.Buttons.Any(x => string.Equals(x.Title, title, StringComparison.Ordinal) || string.Equals(x.Id, id, StringComparison.Ordinal)))
                    {
                        return GraphError.InvalidParameter($"Param {path}['reply'] must have a unique id and title.");
                    }
                    d.Buttons.Add(new ButtonInfo(id, title));
                }
                break;
            case "list":
                if (string.IsNullOrEmpty(bodyText)) return GraphError.InvalidParameter("The parameter interactive['body']['text'] is required.");
                if (TooLong(bodyText, 4096)) return TooLongError("interactive['body']['text']", 4096);
                var label = action.ValueKind == JsonValueKind.Object ? Str(action, "button") : null;
                if (string.IsNullOrEmpty(label)) return GraphError.InvalidParameter("The parameter interactive['action']['button'] is required.");
                if (TooLong(label, 20)) return TooLongError("interactive['action']['button']", 20);
                d.ListButton = label;
                if (!action.TryGetProperty("sections", out var sections) || sections.ValueKind != JsonValueKind.Array || sections.GetArrayLength() == 0)
                {
                    return GraphError.InvalidParameter("Param interactive['action']['sections'] must have at least 1 element.");
                }
                if (sections.GetArrayLength() > 10) return GraphError.InvalidParameter("Param interactive['action']['sections'] must have at most 10 elements.");
                var si = -1;
                foreach (var s in sections.EnumerateArray())
                {
                    si++;
                    var spath = string.Create(CultureInfo.InvariantCulture, $"interactive['action']['sections'][{si}]");
                    var stitle = Str(s, "title");
                    if (stitle is not null && TooLong(stitle, 24)) return TooLongError($"{spath}['title']", 24);
                    if (stitle is null && sections.GetArrayLength() > 1) return GraphError.InvalidParameter($"The parameter {spath}['title'] is required when there is more than one section.");
                    if (!s.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array) return GraphError.InvalidParameter($"The parameter {spath}['rows'] is required.");
                    var ri = -1;
                    foreach (var r in rows.EnumerateArray())
                    {
                        ri++;
                        var rpath = string.Create(CultureInfo.InvariantCulture, $"{spath}['rows'][{ri}]");
                        var id = Str(r, "id");
                        var title = Str(r, "title");
                        var description = Str(r, "description");
                        if (string.IsNullOrEmpty(id)) return GraphError.InvalidParameter($"The parameter {rpath}['id'] is required.");
                        if (TooLong(id, 200)) return TooLongError($"{rpath}['id']", 200);
                        if (string.IsNullOrEmpty(title)) return GraphError.InvalidParameter($"The parameter {rpath}['title'] is required.");
                        if (TooLong(title, 24)) return TooLongError($"{rpath}['title']", 24);
                        if (description is not null && TooLong(description, 72)) return TooLongError($"{rpath}['description']", 72);
                        if (d.Buttons.Any(x => string.Equals(x.Id, id, StringComparison.Ordinal))) return GraphError.InvalidParameter($"Param {rpath}['id'] must be unique.");
                        d.Buttons.Add(new ButtonInfo(id, title, null, description));
                    }
                }
                if (d.Buttons.Count == 0) return GraphError.InvalidParameter("Param interactive['action']['sections'] must have at least 1 row.");
                if (d.Buttons.Count > 10) return GraphError.InvalidParameter("Param interactive['action']['sections'] must have at most 10 rows in total.");
                break;
            default:
                if (bodyText is not null && TooLong(bodyText, 4096)) return TooLongError("interactive['body']['text']", 4096);
                break;
        }
        d.Text = bodyText;
        return null;
    }

    private static int? IndexOf(JsonElement c)
    {
        if (!c.TryGetProperty("index", out var index)) return null;
        if (index.ValueKind == JsonValueKind.Number && index.TryGetInt32(out var n)) return n;
        if (index.ValueKind == JsonValueKind.String && int.TryParse(index.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n)) return n;
        return null;
    }

    private static string? ParameterValue(JsonElement p)
    {
        var type = Str(p, "type") ?? "text";
        return type switch
        {
            "text" => Str(p, "text"),
            "currency" or "date_time" => Obj(p, type, out var o) ? Str(o, "fallback_value") : null,
            _ => Str(p, "text") ?? type,
        };
    }

    private static GraphError TooLongError(string param, int max) =>
        GraphError.InvalidParameter(string.Create(CultureInfo.InvariantCulture, $"Param {param} must be at most {max} characters long."));

    /// <summary>Length in characters as a user sees them (Unicode scalar values), checked cheaply.</summary>
    internal static bool TooLong(string s, int max)
    {
        if (s.Length <= max) return false;
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            if (++n > max) return true;
        }
        return false;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Obj(JsonElement e, string name, out JsonElement value)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object) return true;
        value = default;
        return false;
    }
}

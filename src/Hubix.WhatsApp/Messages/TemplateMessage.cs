using System.Globalization;
using System.Text.Json;

namespace Hubix.WhatsApp.Messages;

/// <summary>
/// <c>"type":"template"</c>: an approved template by name and language, with header, body and quick-reply parameters
/// (REFERENCE §7, §9). Body parameters are either all positional or all named.
/// </summary>
public sealed record TemplateMessage : RecipientMessage
{
    /// <summary>Template names are <c>[a-z0-9_]</c>, at most 512 characters (REFERENCE §9).</summary>
    public const int MaxNameLength = 512;

    /// <summary>Meta allows at most 10 quick-reply buttons per template (REFERENCE §9).</summary>
    public const int MaxQuickReplies = 10;

    /// <summary>
    /// Our rule, not a documented Meta limit: a quick-reply payload comes back in the inbound <c>button.payload</c>;
    /// we cap it at 256 like a reply-button id.
    /// </summary>
    public const int MaxQuickReplyPayloadLength = 256;

    /// <summary>A text header is at most 60 characters in total, so its parameter can be no longer.</summary>
    public const int MaxHeaderTextLength = 60;

    internal TemplateMessage(
        string to,
        string name,
        string languageCode,
        TemplateHeaderParameter? header,
        IReadOnlyList<TemplateBodyParameter> bodyParameters,
        IReadOnlyList<QuickReplyPayload> quickReplies)
        : base(to)
    {
        Name = name;
        LanguageCode = languageCode;
        Header = header;
        BodyParameters = bodyParameters;
        QuickReplies = quickReplies;
    }

    public string Name { get; init; }

    /// <summary>e.g. "en_US", "pt_BR" (underscore, as the API uses).</summary>
    public string LanguageCode { get; init; }

    public TemplateHeaderParameter? Header { get; init; }

    public IReadOnlyList<TemplateBodyParameter> BodyParameters { get; init; }

    public IReadOnlyList<QuickReplyPayload> QuickReplies { get; init; }

    public override string Type => "template";

    private protected override void ValidateContent(ProblemList problems)
    {
        problems.Required("template.name", Name, MaxNameLength);
        if (!string.IsNullOrEmpty(Name) && Name.AsSpan().ContainsAnyExcept(TemplateNameChars))
        {
            problems.Add("template.name", "may contain only lowercase letters, digits and '_'.");
        }
        problems.Required("template.language.code", LanguageCode, 16);

        Header?.Validate(problems, "template.components[header].parameters[0]");

        var named = BodyParameters.Count(p => p.ParameterName is not null);
        if (named != 0 && named != BodyParameters.Count)
        {
            problems.Add("template.components[body].parameters", "mixes named and positional parameters; use one kind.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < BodyParameters.Count; i++)
        {
            var field = Invariant($"template.components[body].parameters[{i}]");
            var p = BodyParameters[i];
            if (string.IsNullOrEmpty(p.Text))
            {
                problems.Add(field + ".text", "is required; Meta rejects empty template parameters.");
            }
            if (p.ParameterName is not null)
            {
                if (p.ParameterName.Length == 0)
                {
                    problems.Add(field + ".parameter_name", "must not be empty.");
                }
                else if (!names.Add(p.ParameterName))
                {
                    problems.Add(field + ".parameter_name", $"'{p.ParameterName}' is given more than once.");
                }
            }
        }

        if (QuickReplies.Count > MaxQuickReplies)
        {
            problems.Add("template.components[button]", Invariant($"has {QuickReplies.Count} quick-reply parameters; a template has at most {MaxQuickReplies} quick-reply buttons."));
        }
        var indexes = new HashSet<int>();
        for (var i = 0; i < QuickReplies.Count; i++)
        {
            var q = QuickReplies[i];
            var field = Invariant($"template.components[button index {q.Index}]");
            if (q.Index is < 0 or >= MaxQuickReplies)
            {
                problems.Add(field + ".index", Invariant($"must be 0..{MaxQuickReplies - 1}."));
            }
            else if (!indexes.Add(q.Index))
            {
                problems.Add(field + ".index", "is given more than once.");
            }
            if (string.IsNullOrEmpty(q.Payload))
            {
                problems.Add(field + ".parameters[0].payload", "is required.");
            }
            else if (q.Payload.Length > MaxQuickReplyPayloadLength)
            {
                problems.Add(field + ".parameters[0].payload",
                    Invariant($"is {q.Payload.Length} characters long; the limit is {MaxQuickReplyPayloadLength} (our rule, not a published Meta limit)."));
            }
        }
    }

    private protected override void WriteContent(Utf8JsonWriter w)
    {
        w.WriteString("name", Name);
        w.WriteStartObject("language");
        w.WriteString("code", LanguageCode);
        w.WriteEndObject();

        if (Header is null && BodyParameters.Count == 0 && QuickReplies.Count == 0)
        {
            return;
        }

        w.WriteStartArray("components");
        if (Header is not null)
        {
            w.WriteStartObject();
            w.WriteString("type", "header");
            w.WriteStartArray("parameters");
            Header.Write(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (BodyParameters.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "body");
            w.WriteStartArray("parameters");
            foreach (var p in BodyParameters)
            {
                w.WriteStartObject();
                w.WriteString("type", "text");
                if (p.ParameterName is not null)
                {
                    w.WriteString("parameter_name", p.ParameterName);
                }
                w.WriteString("text", p.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        foreach (var q in QuickReplies)
        {
            w.WriteStartObject();
            w.WriteString("type", "button");
            w.WriteString("sub_type", "quick_reply");
            w.WriteString("index", q.Index.ToString(CultureInfo.InvariantCulture));
            w.WriteStartArray("parameters");
            w.WriteStartObject();
            w.WriteString("type", "payload");
            w.WriteString("payload", q.Payload);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static readonly System.Buffers.SearchValues<char> TemplateNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One body parameter: positional (<see cref="ParameterName"/> null) or named.</summary>
public sealed record TemplateBodyParameter(string Text, string? ParameterName = null)
{
    public static TemplateBodyParameter Positional(string text) => new(text);

    public static TemplateBodyParameter Named(string parameterName, string text) => new(text, parameterName);
}

/// <summary>The payload Meta returns in the inbound <c>button.payload</c> when quick-reply button <see cref="Index"/> is tapped.</summary>
public sealed record QuickReplyPayload(int Index, string Payload);

/// <summary>The parameter of a template header: text, image or document.</summary>
public abstract record TemplateHeaderParameter
{
    private protected TemplateHeaderParameter()
    {
    }

    /// <summary>Fills a text header's variable; <paramref name="parameterName"/> for named templates.</summary>
    public static TemplateHeaderParameter Text(string text, string? parameterName = null) => new TemplateTextHeader(text, parameterName);

    public static TemplateHeaderParameter Image(MediaSource image) => new TemplateMediaHeader("image", image, null);

    public static TemplateHeaderParameter Document(MediaSource document, string? filename = null) =>
        new TemplateMediaHeader("document", document, filename);

    internal abstract void Validate(ProblemList problems, string field);

    internal abstract void Write(Utf8JsonWriter w);
}

internal sealed record TemplateTextHeader : TemplateHeaderParameter
{
    public TemplateTextHeader(string text, string? parameterName)
    {
        Value = text;
        ParameterName = parameterName;
    }

    public string Value { get; }

    public string? ParameterName { get; }

    internal override void Validate(ProblemList problems, string field)
    {
        problems.Required(field + ".text", Value, TemplateMessage.MaxHeaderTextLength);
        problems.Optional(field + ".parameter_name", ParameterName, int.MaxValue);
    }

    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        if (ParameterName is not null)
        {
            w.WriteString("parameter_name", ParameterName);
        }
        w.WriteString("text", Value);
        w.WriteEndObject();
    }
}

/// <summary>Image or document header; <see cref="Kind"/> is "image" or "document".</summary>
internal sealed record TemplateMediaHeader(string Kind, MediaSource Media, string? Filename) : TemplateHeaderParameter
{
    internal override void Validate(ProblemList problems, string field)
    {
        if (Media is null)
        {
            problems.Add(field + "." + Kind, "is required (a media id or link).");
            return;
        }
        Media.Validate(problems, field + "." + Kind);
        problems.Optional(field + "." + Kind + ".filename", Filename, int.MaxValue);
    }

    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", Kind);
        w.WriteStartObject(Kind);
        Media.WriteProperties(w);
        if (Filename is not null)
        {
            w.WriteString("filename", Filename);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

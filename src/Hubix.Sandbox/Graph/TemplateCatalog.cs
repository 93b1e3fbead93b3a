using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Graph;

/// <summary>A template as the sandbox knows it.</summary>
internal sealed record TemplateDefinition(
    string Id, string Name, string Language, string Category, string Status, string Body,
    IReadOnlyList<string> ParameterNames, int PositionalCount, IReadOnlyList<string> Buttons,
    string? HeaderFormat, string? HeaderText)
{
    public bool IsNamed => ParameterNames.Count > 0;

    public int BodyParameterCount => IsNamed ? ParameterNames.Count : PositionalCount;

    public int HeaderParameterCount => HeaderFormat switch
    {
        "IMAGE" or "DOCUMENT" => 1,
        "TEXT" => HeaderText is null ? 0 : TemplateCatalog.Placeholder.Count(HeaderText),
        _ => 0,
    };

    public string Render(IReadOnlyList<TemplateParameter> parameters) =>
        TemplateCatalog.Placeholder.Replace(Body, m =>
        {
            var key = m.Groups[1].Value;
            if (IsNamed)
            {
                return parameters.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.Ordinal))?.Value ?? m.Value;
            }
            return int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1 && i <= parameters.Count
                ? parameters[i - 1].Value
                : m.Value;
        });
}

internal sealed record TemplateParameter(string? Name, string Value);

/// <summary>The default templates plus the configured ones.</summary>
internal sealed partial class TemplateCatalog
{
    public const string DailyBody = "Good morning! Your {{1}} content for {{2}} is ready: {{3}}. Tap below to get it.";

    /// <summary>The Hindi version of the daily template (advisors whose language is <c>hi</c>).</summary>
    public const string DailyBodyHindi = "सुप्रभात! {{2}} का आपका {{1}} कंटेंट तैयार है: {{3}}। पाने के लिए नीचे दबाएँ।";

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex PlaceholderRegex();

    public static Regex Placeholder => PlaceholderRegex();

    // Copy-on-write: sends read it concurrently while the control routes change a template's status or category.
    private volatile TemplateDefinition[] _templates = [];
    private readonly Lock _write = new();

    public TemplateCatalog(IOptions<SandboxOptions> options)
    {
        var all = new List<TemplateOptions>
        {
            new() { Name = "daily_content_ready_v1", Body = DailyBody, Buttons = ["Retrieve Content"] },
            new() { Name = "daily_content_menu_v1", Body = DailyBody, Buttons = ["Images", "Posts", "Market Updates"] },
            new() { Name = "daily_content_ready_v1", Language = "hi", Body = DailyBodyHindi, Buttons = ["कंटेंट पाएँ"] },
        };
        foreach (var t in options.Value.Templates)
        {
            all.RemoveAll(x => string.Equals(x.Name, t.Name, StringComparison.Ordinal) && string.Equals(x.Language, t.Language, StringComparison.Ordinal));
            all.Add(t);
        }
        _templates = all.Select(ToDefinition).ToArray();
    }

    /// <summary>Replaces the named template with <paramref name="change"/>'s result; null when there is no such template.</summary>
    internal (TemplateDefinition Before, TemplateDefinition After)? Update(string name, string language, Func<TemplateDefinition, TemplateDefinition> change)
    {
        lock (_write)
        {
            var list = _templates;
            var i = Array.FindIndex(list, t => string.Equals(t.Name, name, StringComparison.Ordinal) && string.Equals(t.Language, language, StringComparison.Ordinal));
            if (i < 0) return null;
            var copy = (TemplateDefinition[])list.Clone();
            copy[i] = change(list[i]);
            _templates = copy;
            return (list[i], copy[i]);
        }
    }

    /// <summary>Adds (or replaces, by name and language) a template, as <c>POST /{waba-id}/message_templates</c> does.</summary>
    internal TemplateDefinition Add(TemplateOptions options)
    {
        var def = ToDefinition(options);
        lock (_write)
        {
            _templates = _templates.Where(t => !(string.Equals(t.Name, def.Name, StringComparison.Ordinal) && string.Equals(t.Language, def.Language, StringComparison.Ordinal)))
                .Append(def).ToArray();
        }
        return def;
    }

    public IReadOnlyList<TemplateDefinition> All => _templates;

    /// <summary>The template with that name in that language, or null.</summary>
    public TemplateDefinition? Find(string name, string language) =>
        _templates.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal) && string.Equals(t.Language, language, StringComparison.Ordinal));

    private static TemplateDefinition ToDefinition(TemplateOptions t)
    {
        var names = t.ParameterNames.ToList();
        int positional;
        string body;
        if (!string.IsNullOrEmpty(t.Body))
        {
            body = t.Body;
            var keys = Placeholder.Matches(body).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
            if (names.Count == 0 && keys.Count > 0 && keys.Any(k => !k.All(char.IsAsciiDigit))) names = keys;
            positional = names.Count == 0 ? (keys.Count > 0 ? keys.Count : t.BodyParameterCount ?? 0) : 0;
        }
        else
        {
            positional = names.Count == 0 ? t.BodyParameterCount ?? 0 : 0;
            var sb = new StringBuilder("Message");
            for (var i = 1; i <= positional; i++) sb.Append(CultureInfo.InvariantCulture, $" {{{{{i}}}}}");
            foreach (var n in names) sb.Append(CultureInfo.InvariantCulture, $" {{{{{n}}}}}");
            body = sb.ToString();
        }
        var id = 1_000_000_000_000_000UL + Fnv(t.Name + "\n" + t.Language) % 9_000_000_000_000_000UL;
        return new TemplateDefinition(
            id.ToString(CultureInfo.InvariantCulture), t.Name, t.Language, t.Category.ToUpperInvariant(), t.Status.ToUpperInvariant(), body,
            names, positional, t.Buttons.ToList(), string.IsNullOrEmpty(t.HeaderFormat) ? null : t.HeaderFormat, t.HeaderText);
    }

    private static ulong Fnv(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }
}

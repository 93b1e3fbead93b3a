using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>
/// Reads content packs from <c>&lt;ContentPath&gt;/YYYY-MM-DD/pack.json</c>: one passage per post, update,
/// image caption and document caption. Re-reads a pack when its file changes.
/// </summary>
/// <remarks>
/// <c>{date}</c> becomes the pack date ("24 Nov 2026"). Sentences holding <c>{name}</c> are branding
/// ("Shared by {name}.") and are dropped, so quoted answers never carry another advisor's name.
/// </remarks>
public sealed partial class PackDirectoryKnowledgeSource(IOptions<AgentOptions> options, IHostEnvironment? environment = null) : IKnowledgeSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ((DateTime, long) Stamp, IReadOnlyList<KnowledgePassage> Passages)> _packs = new(StringComparer.Ordinal);
    private IReadOnlyList<KnowledgePassage> _all = [];
    private string _signature = "";

    public async Task<IReadOnlyList<KnowledgePassage>> GetPassagesAsync(CancellationToken cancellationToken)
    {
        var root = ContentRoot.Resolve(options.Value.ContentPath, environment);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var files = Directory.GetDirectories(root)
            .Select(d => new FileInfo(Path.Combine(d, "pack.json")))
            .Where(f => f.Exists)
            .OrderBy(f => f.FullName, StringComparer.Ordinal)
            .ToList();
        var signature = string.Join('|', files.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.FullName}:{f.LastWriteTimeUtc.Ticks}:{f.Length}")));
        lock (_lock)
        {
            if (string.Equals(signature, _signature, StringComparison.Ordinal))
            {
                return _all;
            }
        }

        var all = new List<KnowledgePassage>();
        foreach (var file in files)
        {
            var stamp = (file.LastWriteTimeUtc, file.Length);
            IReadOnlyList<KnowledgePassage>? cached = null;
            lock (_lock)
            {
                if (_packs.TryGetValue(file.FullName, out var entry) && entry.Stamp == stamp)
                {
                    cached = entry.Passages;
                }
            }

            if (cached is null)
            {
                var json = await File.ReadAllTextAsync(file.FullName, cancellationToken);
                cached = ParsePack(json, Path.GetFileName(file.DirectoryName!));
                lock (_lock)
                {
                    _packs[file.FullName] = (stamp, cached);
                }
            }

            all.AddRange(cached);
        }

        lock (_lock)
        {
            _all = all;
            _signature = signature;
        }

        return all;
    }

    /// <summary>Turns one pack.json into passages; <paramref name="folderName"/> is the fallback date.</summary>
    public static IReadOnlyList<KnowledgePassage> ParsePack(string json, string folderName)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var dateText = root.TryGetProperty("date", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : folderName;
        if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return [];
        }

        var iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var result = new List<KnowledgePassage>();
        if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            index++;
            var kind = item.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "";
            if (!IsEnglishOrShared(Str(item, "lang")))
            {
                continue;
            }

            var text = kind is KnowledgePassage.PostKind or KnowledgePassage.UpdateKind
                ? Str(item, "text")
                : Str(item, "caption");
            text = Resolve(text, date);
            if (text.Length == 0 || kind.Length == 0)
            {
                continue;
            }

            result.Add(new KnowledgePassage(
                string.Create(CultureInfo.InvariantCulture, $"pack:{iso}:{index}"), "pack " + iso, kind, date, text));
        }

        return result;
    }

    /// <summary>
    /// The library the assistant quotes is the English one (items without <c>lang</c>, or in English): its retrieval and
    /// its answers were built and evaluated on it (ADR-010). Other language variants of a pack are sent on unlock but not
    /// quoted yet, so an English answer never quotes Devanagari and the evaluations stay as measured.
    /// </summary>
    internal static bool IsEnglishOrShared(string? lang) =>
        string.IsNullOrEmpty(lang) || lang.Equals("en", StringComparison.OrdinalIgnoreCase) || lang.StartsWith("en-", StringComparison.OrdinalIgnoreCase);

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    internal static string Resolve(string text, DateOnly date)
    {
        text = text.Replace("{date}", date.ToString("d MMM yyyy", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (text.Contains("{name}", StringComparison.Ordinal))
        {
            text = string.Join(' ', TextTools.Sentences(text).Where(s => !s.Contains("{name}", StringComparison.Ordinal)));
        }

        return Spaces().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

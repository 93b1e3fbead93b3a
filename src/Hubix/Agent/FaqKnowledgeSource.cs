using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>Reads the FAQ markdown file (see the format at the top of <c>samples/faq.md</c>); re-reads it when it changes.</summary>
public sealed class FaqKnowledgeSource(IOptions<AgentOptions> options, IHostEnvironment? environment = null) : IKnowledgeSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime Written, long Length) _stamp;
    private IReadOnlyList<KnowledgePassage> _passages = [];

    public async Task<IReadOnlyList<KnowledgePassage>> GetPassagesAsync(CancellationToken cancellationToken)
    {
        var path = ContentRoot.Resolve(options.Value.FaqPath, environment);
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return [];
        }

        var stamp = (file.LastWriteTimeUtc, file.Length);
        if (stamp == _stamp)
        {
            return _passages;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (stamp != _stamp)
            {
                var text = await File.ReadAllTextAsync(path, cancellationToken);
                _passages = Parse(text);
                _stamp = stamp;
            }

            return _passages;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Parses FAQ markdown: <c>## id: Title</c>, <c>- Q: question</c> lines, then the answer; optionally
    /// <c>### lang: Title</c> blocks (<c>hi</c>, <c>hi-Latn</c>) with the answer in that language, and more <c>- Q:</c> lines.
    /// </summary>
    public static IReadOnlyList<KnowledgePassage> Parse(string markdown)
    {
        var result = new List<KnowledgePassage>();
        string? id = null, title = null, lang = null, langTitle = null;
        var questions = new List<string>();
        var answer = new StringBuilder();
        var translations = new Dictionary<string, FaqTranslation>(StringComparer.Ordinal);
        var translated = new StringBuilder();

        void FlushTranslation()
        {
            if (lang is not null && translated.ToString().Trim().Length > 0)
            {
                translations[lang] = new FaqTranslation(langTitle, translated.ToString().Trim());
            }

            lang = null;
            langTitle = null;
            translated.Clear();
        }

        void Flush()
        {
            FlushTranslation();
            if (id is not null && answer.ToString().Trim().Length > 0)
            {
                result.Add(new KnowledgePassage(
                    "faq:" + id, "FAQ: " + id, KnowledgePassage.FaqKind, null,
                    answer.ToString().Trim(), title, questions.ToArray(),
                    translations.Count == 0 ? null : new Dictionary<string, FaqTranslation>(translations, StringComparer.Ordinal)));
            }

            id = null;
            title = null;
            questions.Clear();
            answer.Clear();
            translations.Clear();
        }

        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                var heading = line[3..].Trim();
                var colon = heading.IndexOf(':', StringComparison.Ordinal);
                id = colon > 0 ? heading[..colon].Trim() : heading.ToLowerInvariant().Replace(' ', '-');
                title = colon > 0 ? heading[(colon + 1)..].Trim() : heading;
            }
            else if (id is null)
            {
                continue;
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                FlushTranslation();
                var heading = line[4..].Trim();
                var colon = heading.IndexOf(':', StringComparison.Ordinal);
                lang = colon > 0 ? heading[..colon].Trim() : heading;
                langTitle = colon > 0 ? heading[(colon + 1)..].Trim() : null;
            }
            else if (line.TrimStart().StartsWith("- Q:", StringComparison.Ordinal))
            {
                questions.Add(line.TrimStart()[4..].Trim());
            }
            else if (line.Trim().Length > 0)
            {
                var into = lang is null ? answer : translated;
                if (into.Length > 0)
                {
                    into.Append('\n');
                }

                into.Append(line.Trim());
            }
        }

        Flush();
        return result;
    }
}

internal static class ContentRoot
{
    /// <summary>
    /// A relative path is looked up under the content root (the server's is the binary's folder), then under the
    /// working directory (where <c>hubix serve</c> runs in a checkout, so <c>samples/faq.md</c> is found).
    /// </summary>
    public static string Resolve(string path, IHostEnvironment? environment)
    {
        if (Path.IsPathRooted(path) || environment is null)
        {
            return Path.GetFullPath(path);
        }

        var underRoot = Path.GetFullPath(Path.Combine(environment.ContentRootPath, path));
        var underCwd = Path.GetFullPath(path);
        return File.Exists(underRoot) || Directory.Exists(underRoot) || !(File.Exists(underCwd) || Directory.Exists(underCwd)) ? underRoot : underCwd;
    }
}

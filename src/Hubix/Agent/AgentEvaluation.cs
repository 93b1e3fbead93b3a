using System.Text.Json;

namespace Hubix.Agent;

/// <summary>One labelled message of an evaluation set (a JSONL line); <see cref="Lang"/> defaults to English.</summary>
public sealed record EvalItem(string Text, string Intent, string Split, string? Lang = null)
{
    public string Language => string.IsNullOrEmpty(Lang) ? AgentLanguages.English : Lang;
}

/// <summary>A message the agent got wrong.</summary>
public sealed record EvalMiss(string Text, string Expected, string Actual, string Split, string Path)
{
    public string Lang { get; init; } = AgentLanguages.English;
}

/// <summary>How often <see cref="Expected"/> was recognised as <see cref="Actual"/>.</summary>
public sealed record ConfusionCount(string Expected, string Actual, int Count);

/// <summary>Accuracy of one split (or of the answers taken by one path).</summary>
public sealed record SplitResult(int Total, int Correct)
{
    public double Accuracy => Total == 0 ? 0 : Correct / (double)Total;
}

/// <summary>Result of <see cref="AgentEvaluation.RunAsync"/>; latencies are end-to-end <see cref="AgentEngine.AnswerAsync"/> times.</summary>
public sealed record EvalResult(
    SplitResult Overall,
    IReadOnlyDictionary<string, SplitResult> BySplit,
    IReadOnlyList<ConfusionCount> Confusion,
    IReadOnlyList<EvalMiss> Misses,
    IReadOnlyDictionary<string, SplitResult> ByPath,
    double P50Ms,
    double P95Ms)
{
    public double Accuracy => Overall.Accuracy;

    /// <summary>Intent accuracy per language of the message (<see cref="EvalItem.Language"/>).</summary>
    public IReadOnlyDictionary<string, SplitResult> ByLang { get; init; } = new Dictionary<string, SplitResult>();

    /// <summary>Intent accuracy per expected intent (its recall).</summary>
    public IReadOnlyDictionary<string, SplitResult> ByIntent { get; init; } = new Dictionary<string, SplitResult>();

    /// <summary>Messages labelled <c>opt_out</c> recognised as <c>opt_out</c>: the figure that must stay at 100 %.</summary>
    public SplitResult OptOutRecall { get; init; } = new(0, 0);

    /// <summary>Messages labelled <c>opt_out</c> or <c>confirm_opt_out</c> that were recognised as an unlock: must be none.</summary>
    public IReadOnlyList<EvalMiss> StopsUnlocked { get; init; } = [];

    /// <summary>Messages not labelled <c>opt_out</c> that unsubscribed the advisor (false opt-outs).</summary>
    public IReadOnlyList<EvalMiss> FalseOptOuts { get; init; } = [];

    /// <summary>Messages whose detected language (<see cref="AgentAnswer.Lang"/>) is the labelled one.</summary>
    public SplitResult LanguageDetection { get; init; } = new(0, 0);

    /// <summary>Replies written in the message's language, judged on the reply text itself without its quotes of stored content.</summary>
    public SplitResult ReplyLanguage { get; init; } = new(0, 0);

    /// <summary>Replies not in the message's language: (text, expected language, language of the reply).</summary>
    public IReadOnlyList<(string Text, string Expected, string Actual)> ReplyLanguageMisses { get; init; } = [];

    /// <summary>Accuracy per split and language, e.g. <c>holdout/hi</c>.</summary>
    public IReadOnlyDictionary<string, SplitResult> BySplitLang { get; init; } = new Dictionary<string, SplitResult>();
}

/// <summary>Runs a labelled JSONL set (<c>{"text","intent","split"}</c> per line) through the engine.</summary>
public static class AgentEvaluation
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    public static async Task<IReadOnlyList<EvalItem>> LoadAsync(string jsonlPath, CancellationToken cancellationToken = default)
    {
        var items = new List<EvalItem>();
        foreach (var line in await File.ReadAllLinesAsync(jsonlPath, cancellationToken))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var item = JsonSerializer.Deserialize<EvalItem>(line, s_json)
                ?? throw new FormatException("Empty evaluation line: " + line);
            items.Add(item with { Split = string.IsNullOrEmpty(item.Split) ? "dev" : item.Split });
        }

        return items;
    }

    public static async Task<EvalResult> RunAsync(AgentEngine engine, string jsonlPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var items = await LoadAsync(jsonlPath, cancellationToken);
        var latencies = new List<double>(items.Count);
        var misses = new List<EvalMiss>();
        var confusion = new Dictionary<(string, string), int>();
        var splits = new Dictionary<string, (int Total, int Correct)>(StringComparer.Ordinal);
        var paths = new Dictionary<string, (int Total, int Correct)>(StringComparer.Ordinal);
        var langs = new Dictionary<string, (int Total, int Correct)>(StringComparer.Ordinal);
        var intents = new Dictionary<string, (int Total, int Correct)>(StringComparer.Ordinal);
        var splitLangs = new Dictionary<string, (int Total, int Correct)>(StringComparer.Ordinal);
        var stopsUnlocked = new List<EvalMiss>();
        var falseOptOuts = new List<EvalMiss>();
        int detected = 0, replyLang = 0;
        var replyMisses = new List<(string, string, string)>();
        static void Count(Dictionary<string, (int Total, int Correct)> d, string key, bool ok)
        {
            var c = d.GetValueOrDefault(key);
            d[key] = (c.Total + 1, c.Correct + (ok ? 1 : 0));
        }

        foreach (var item in items)
        {
            var answer = await engine.AnswerAsync(new AgentQuestion(item.Text), cancellationToken);
            latencies.Add(answer.LatencyMs);
            var ok = string.Equals(answer.Intent, item.Intent, StringComparison.Ordinal);
            Count(paths, answer.Path, ok);
            Count(splits, item.Split, ok);
            Count(langs, item.Language, ok);
            Count(intents, item.Intent, ok);
            Count(splitLangs, item.Split + "/" + item.Language, ok);
            confusion[(item.Intent, answer.Intent)] = confusion.GetValueOrDefault((item.Intent, answer.Intent)) + 1;
            var miss = new EvalMiss(item.Text, item.Intent, answer.Intent, item.Split, answer.Path) { Lang = item.Language };
            if (!ok)
            {
                misses.Add(miss);
            }

            if (item.Intent is AgentIntents.OptOut or AgentIntents.ConfirmOptOut && answer.Intent.StartsWith("unlock_", StringComparison.Ordinal))
            {
                stopsUnlocked.Add(miss);
            }

            if (item.Intent != AgentIntents.OptOut && answer.Intent == AgentIntents.OptOut)
            {
                falseOptOuts.Add(miss);
            }

            detected += answer.Lang == item.Language ? 1 : 0;
            var replyIn = ReplyLanguageOf(answer.Reply);
            replyLang += replyIn == item.Language ? 1 : 0;
            if (replyIn != item.Language)
            {
                replyMisses.Add((item.Text, item.Language, replyIn));
            }
        }

        latencies.Sort();
        static Dictionary<string, SplitResult> Results(Dictionary<string, (int Total, int Correct)> d) =>
            d.ToDictionary(kv => kv.Key, kv => new SplitResult(kv.Value.Total, kv.Value.Correct), StringComparer.Ordinal);
        var optOut = intents.GetValueOrDefault(AgentIntents.OptOut);
        return new EvalResult(
            new SplitResult(items.Count, items.Count - misses.Count),
            splits.ToDictionary(kv => kv.Key, kv => new SplitResult(kv.Value.Total, kv.Value.Correct), StringComparer.Ordinal),
            confusion.Select(kv => new ConfusionCount(kv.Key.Item1, kv.Key.Item2, kv.Value))
                .OrderBy(c => c.Expected, StringComparer.Ordinal).ThenBy(c => c.Actual, StringComparer.Ordinal).ToList(),
            misses,
            paths.ToDictionary(kv => kv.Key, kv => new SplitResult(kv.Value.Total, kv.Value.Correct), StringComparer.Ordinal),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95))
        {
            ByLang = Results(langs),
            ByIntent = Results(intents),
            BySplitLang = Results(splitLangs),
            OptOutRecall = new SplitResult(optOut.Total, optOut.Correct),
            StopsUnlocked = stopsUnlocked,
            FalseOptOuts = falseOptOuts,
            LanguageDetection = new SplitResult(items.Count, detected),
            ReplyLanguage = new SplitResult(items.Count, replyLang),
            ReplyLanguageMisses = replyMisses,
        };
    }

    /// <summary>
    /// The language a reply is written in, judged on its own words: quotes of stored content ("…"), sources and
    /// command keywords (STOP, MENU) are left out, since they are the same in every language.
    /// </summary>
    public static string ReplyLanguageOf(string reply)
    {
        var own = System.Text.RegularExpressions.Regex.Replace(reply, "\"[^\"]*\"|“[^”]*”|\\(FAQ: [^)]*\\)|pack \\d{4}-\\d{2}-\\d{2}|\\b(STOP|START|MENU|Hubix)\\b", " ");
        return LanguageDetector.Detect(own).Lang;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

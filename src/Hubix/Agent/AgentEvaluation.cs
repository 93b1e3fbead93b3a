using System.Text.Json;

namespace Hubix.Agent;

/// <summary>One labelled message of an evaluation set (a JSONL line).</summary>
public sealed record EvalItem(string Text, string Intent, string Split);

/// <summary>A message the agent got wrong.</summary>
public sealed record EvalMiss(string Text, string Expected, string Actual, string Split, string Path);

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
        foreach (var item in items)
        {
            var answer = await engine.AnswerAsync(new AgentQuestion(item.Text), cancellationToken);
            latencies.Add(answer.LatencyMs);
            var ok = string.Equals(answer.Intent, item.Intent, StringComparison.Ordinal);
            var byPath = paths.GetValueOrDefault(answer.Path);
            paths[answer.Path] = (byPath.Total + 1, byPath.Correct + (ok ? 1 : 0));
            var s = splits.GetValueOrDefault(item.Split);
            splits[item.Split] = (s.Total + 1, s.Correct + (ok ? 1 : 0));
            confusion[(item.Intent, answer.Intent)] = confusion.GetValueOrDefault((item.Intent, answer.Intent)) + 1;
            if (!ok)
            {
                misses.Add(new EvalMiss(item.Text, item.Intent, answer.Intent, item.Split, answer.Path));
            }
        }

        latencies.Sort();
        return new EvalResult(
            new SplitResult(items.Count, items.Count - misses.Count),
            splits.ToDictionary(kv => kv.Key, kv => new SplitResult(kv.Value.Total, kv.Value.Correct), StringComparer.Ordinal),
            confusion.Select(kv => new ConfusionCount(kv.Key.Item1, kv.Key.Item2, kv.Value))
                .OrderBy(c => c.Expected, StringComparer.Ordinal).ThenBy(c => c.Actual, StringComparer.Ordinal).ToList(),
            misses,
            paths.ToDictionary(kv => kv.Key, kv => new SplitResult(kv.Value.Total, kv.Value.Correct), StringComparer.Ordinal),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95));
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

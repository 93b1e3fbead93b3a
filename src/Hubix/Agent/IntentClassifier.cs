using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>A recognised intent; <see cref="QueryVector"/> is the message's embedding when the model ran.</summary>
internal sealed record IntentResult(string Intent, double Score, string Path, float[]? QueryVector)
{
    /// <summary>A whole-message command or a precise phrase: final, never reinterpreted by context.</summary>
    public bool Strong { get; init; }
}

/// <summary>
/// Recognises intents: strong lexical rules first; then, once the model is ready, nearest neighbours
/// among labelled examples (and the FAQ's example questions) with lexical hints as a small bonus; while
/// the model loads, the hints alone.
/// </summary>
public sealed class IntentClassifier(AgentModel model, IOptions<AgentOptions> options)
{
    private const double HintBonus = 0.08;
    private const double OptOutThreshold = 0.75;

    // Character n-gram cosine (0.7 × best + 0.3 × second) below which a message is unknown; tuned on the dev split.
    private const double NgramThreshold = 0.35;
    private const double NgramOptOutThreshold = 0.8;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Intent, float[] Vector)[]? _examples;

    /// <summary>Embeds the labelled examples (once); call after the model is ready to warm up.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        if (_examples is not null || !model.IsReady)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_examples is null)
            {
                var pairs = IntentExamples.ByIntent.SelectMany(kv => kv.Value.Select(text => (kv.Key, text))).ToArray();
                var vectors = await model.EncodeCachedAsync(pairs.Select(p => p.text).ToArray(), cancellationToken);
                _examples = pairs.Select((p, i) => (p.Key, vectors[i])).ToArray();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task<IntentResult> ClassifyAsync(string text, KnowledgeSnapshot knowledge, CancellationToken cancellationToken) =>
        await ClassifyAsync(text, LanguageDetector.Detect(text).Lang, knowledge, cancellationToken);

    internal async Task<IntentResult> ClassifyAsync(string text, string lang, KnowledgeSnapshot knowledge, CancellationToken cancellationToken)
    {
        var lexical = LexicalRules.Classify(text);
        if (lexical.Strong is not null)
        {
            return new IntentResult(lexical.Strong, 1, AgentPaths.Lexical, null) { Strong = true };
        }

        // MiniLM is an English model: Hindi and Hinglish (and every language while it loads) go to the character
        // n-grams of the romanised text.
        IntentResult result;
        if (!model.IsReady || lang != AgentLanguages.English)
        {
            result = FromNgrams(lexical);
        }
        else
        {
            result = await FromEmbeddingAsync(text, lexical, knowledge, cancellationToken);
        }

        return Guard(result, lexical);
    }

    /// <summary>A question about stopping ("how do I stop?") or a "don't stop" is never an opt-out, nor a request to confirm one.</summary>
    private static IntentResult Guard(IntentResult result, LexicalResult lexical) =>
        result.Intent is AgentIntents.OptOut or AgentIntents.ConfirmOptOut && lexical.Stop is StopSignal.KeepGoing or StopSignal.Question
            ? result with { Intent = lexical.Stop == StopSignal.Question ? AgentIntents.Faq : FromHints(lexical.Hints) }
            : result;

    private IntentResult FromNgrams(LexicalResult lexical)
    {
        var scores = NgramClassifier.Default.Scores(lexical.Canonical);
        var (best, bestScore) = Best(scores, lexical.Hints);
        // The rules found no STOP-like word: a near-copy of an opt-out example makes the agent ask (never act); less is unknown.
        if (best == AgentIntents.OptOut)
        {
            return new IntentResult(bestScore >= NgramOptOutThreshold ? AgentIntents.ConfirmOptOut : AgentIntents.Unknown, bestScore, AgentPaths.Ngram, null);
        }

        if (bestScore < NgramThreshold)
        {
            best = lexical.Hints.Count > 0 ? FromHints(lexical.Hints) : AgentIntents.Unknown;
        }

        return new IntentResult(best, bestScore, AgentPaths.Ngram, null);
    }

    private async Task<IntentResult> FromEmbeddingAsync(string text, LexicalResult lexical, KnowledgeSnapshot knowledge, CancellationToken cancellationToken)
    {
        await WarmUpAsync(cancellationToken);
        var query = (await model.EncodeAsync([text], cancellationToken))[0];
        var scores = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var (intent, vector) in _examples!)
        {
            Add(scores, intent, AgentModel.Cosine(query, vector));
        }

        if (knowledge.Embedded)
        {
            foreach (var p in knowledge.Passages.Where(p => p.Passage.Kind == KnowledgePassage.FaqKind))
            {
                foreach (var q in p.QuestionVectors ?? [])
                {
                    Add(scores, AgentIntents.Faq, AgentModel.Cosine(query, q));
                }
            }
        }

        var fused = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (intent, sims) in scores)
        {
            sims.Sort((a, b) => b.CompareTo(a));
            fused[intent] = (0.7 * sims[0]) + (0.3 * (sims.Count > 1 ? sims[1] : sims[0]));
        }

        var (best, bestScore) = Best(fused, lexical.Hints);

        // Unsubscribing someone by mistake is worse than asking again: without a lexical STOP-like phrase,
        // opt-out needs a near-paraphrase of an example.
        if (best == AgentIntents.OptOut && bestScore < OptOutThreshold)
        {
            return new IntentResult(AgentIntents.Unknown, bestScore, AgentPaths.Embedding, query);
        }

        if (bestScore < options.Value.IntentThreshold)
        {
            // Weak similarity: trust a lexical hint if there is one, else admit not knowing.
            best = lexical.Hints.Count > 0 ? FromHints(lexical.Hints) : AgentIntents.Unknown;
        }

        return new IntentResult(best, bestScore, AgentPaths.Embedding, query);
    }

    private static (string Intent, double Score) Best(Dictionary<string, double> scores, IReadOnlySet<string> hints)
    {
        var best = AgentIntents.Unknown;
        var bestScore = double.MinValue;
        foreach (var (intent, raw) in scores)
        {
            var score = raw + (hints.Contains(intent) ? HintBonus : 0);
            if (score > bestScore)
            {
                best = intent;
                bestScore = score;
            }
        }

        return (best, bestScore);
    }

    private static string FromHints(IReadOnlySet<string> hints) =>
        hints.Contains(AgentIntents.Handoff) ? AgentIntents.Handoff
        : hints.Contains(AgentIntents.Faq) ? AgentIntents.Faq
        : hints.Contains(AgentIntents.MarketQuestion) ? AgentIntents.MarketQuestion
        : hints.Contains(AgentIntents.Help) ? AgentIntents.Help
        : AgentIntents.Unknown;

    private static void Add(Dictionary<string, List<double>> scores, string intent, double sim)
    {
        if (!scores.TryGetValue(intent, out var list))
        {
            scores[intent] = list = [];
        }

        list.Add(sim);
    }
}

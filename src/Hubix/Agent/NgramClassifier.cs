namespace Hubix.Agent;

/// <summary>
/// Nearest labelled examples by character n-grams (2 to 4 letters, TF-IDF weighted, cosine) over the canonical
/// romanised text: the agent's classifier for Hindi and Hinglish, and for every language while MiniLM loads.
/// </summary>
/// <remarks>
/// MiniLM is an English model, and no multilingual sentence encoder ships as a NuGet package here. Character n-grams
/// of the transliterated text need no model file and no training step: they are robust to the spelling variants of
/// Hinglish ("bhejo", "bhejdo", "bhej do", "bejo" share most n-grams), cost a few hundred kilobytes for the examples,
/// and take microseconds per message. See docs/decisions/ADR-010-languages.md.
/// </remarks>
internal sealed class NgramClassifier
{
    private readonly (string Intent, Dictionary<string, float> Vector)[] _examples;
    private readonly Dictionary<string, float> _idf;

    public NgramClassifier(IEnumerable<(string Intent, string Text)> examples)
    {
        var docs = examples.Select(e => (e.Intent, Grams: Grams(Transliteration.Canonical(e.Text)))).Where(d => d.Grams.Count > 0).ToList();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, grams) in docs)
        {
            foreach (var g in grams.Keys)
            {
                df[g] = df.GetValueOrDefault(g) + 1;
            }
        }

        _idf = df.ToDictionary(kv => kv.Key, kv => (float)Math.Log((1.0 + docs.Count) / (1.0 + kv.Value)) + 1f, StringComparer.Ordinal);
        _examples = docs.Select(d => (d.Intent, Weigh(d.Grams))).ToArray();
    }

    /// <summary>Default examples: <see cref="IntentExamples"/> plus their Hindi and Hinglish additions.</summary>
    public static NgramClassifier Default { get; } = new(
        IntentExamples.ByIntent.Concat(IntentExamples.Multilingual).SelectMany(kv => kv.Value.Select(t => (kv.Key, t))));

    /// <summary>Per intent: 0.7 × best similarity + 0.3 × second best (as for the embedding classifier).</summary>
    public Dictionary<string, double> Scores(string canonical)
    {
        var query = Weigh(Grams(canonical));
        var sims = new Dictionary<string, (double First, double Second)>(StringComparer.Ordinal);
        foreach (var (intent, vector) in _examples)
        {
            var s = Cosine(query, vector);
            var (first, second) = sims.GetValueOrDefault(intent);
            sims[intent] = s > first ? (s, first) : (first, Math.Max(second, s));
        }

        return sims.ToDictionary(kv => kv.Key, kv => (0.7 * kv.Value.First) + (0.3 * kv.Value.Second), StringComparer.Ordinal);
    }

    private static Dictionary<string, int> Grams(string canonical)
    {
        var grams = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in TextTools.Tokens(canonical))
        {
            var w = " " + word + " ";
            for (var n = 2; n <= 4; n++)
            {
                for (var i = 0; i + n <= w.Length; i++)
                {
                    var g = w.Substring(i, n);
                    grams[g] = grams.GetValueOrDefault(g) + 1;
                }
            }
        }

        return grams;
    }

    private Dictionary<string, float> Weigh(Dictionary<string, int> grams)
    {
        var v = new Dictionary<string, float>(grams.Count, StringComparer.Ordinal);
        double norm = 0;
        foreach (var (g, count) in grams)
        {
            // Unseen n-grams carry no information about the examples; they only lengthen the vector.
            var idf = _idf.GetValueOrDefault(g, 0f);
            var w = (float)(1 + Math.Log(count)) * idf;
            if (w > 0)
            {
                v[g] = w;
                norm += w * w;
            }
        }

        var inv = norm == 0 ? 0 : (float)(1 / Math.Sqrt(norm));
        foreach (var g in v.Keys.ToList())
        {
            v[g] *= inv;
        }

        return v;
    }

    private static double Cosine(Dictionary<string, float> a, Dictionary<string, float> b)
    {
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        double dot = 0;
        foreach (var (g, w) in small)
        {
            if (large.TryGetValue(g, out var x))
            {
                dot += w * x;
            }
        }

        return dot;
    }
}

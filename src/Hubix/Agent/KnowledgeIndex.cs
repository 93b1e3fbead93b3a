namespace Hubix.Agent;

/// <summary>A passage with what retrieval needs: its words and, once the model is ready, its vectors.</summary>
internal sealed record IndexedPassage(KnowledgePassage Passage, HashSet<string> Words, float[]? Vector, float[][]? QuestionVectors);

/// <summary>All passages of all sources, embedded once and cached.</summary>
internal sealed record KnowledgeSnapshot(IReadOnlyList<IndexedPassage> Passages, bool Embedded, IReadOnlyDictionary<string, double> Idf);

/// <summary>
/// Collects passages from every <see cref="IKnowledgeSource"/> and embeds them. The snapshot is rebuilt
/// only when the passage set changes (or when the model becomes ready); vectors are cached by text, so a
/// new pack only encodes its own passages (<see cref="AgentModel.EncodeCachedAsync"/>).
/// </summary>
public sealed class KnowledgeIndex(IEnumerable<IKnowledgeSource> sources, AgentModel model)
{
    private readonly IKnowledgeSource[] _sources = sources.ToArray();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private KnowledgeSnapshot _snapshot = new([], false, new Dictionary<string, double>());
    private int _fingerprint;
    private bool _built;

    internal async Task<KnowledgeSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(_sources.Select(s => s.GetPassagesAsync(cancellationToken)));
        var passages = lists.SelectMany(l => l).ToList();
        var fingerprint = Fingerprint(passages);
        var snapshot = Volatile.Read(ref _snapshot);
        if (_built && fingerprint == _fingerprint && (snapshot.Embedded || !model.IsReady))
        {
            return snapshot;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_built && fingerprint == _fingerprint && (_snapshot.Embedded || !model.IsReady))
            {
                return _snapshot;
            }

            var embedded = model.IsReady;
            var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            if (embedded)
            {
                var texts = passages
                    .SelectMany(p => (p.Questions ?? []).Append(EmbeddingText(p)))
                    .Distinct(StringComparer.Ordinal)
                    .ToList();
                var encoded = await model.EncodeCachedAsync(texts, cancellationToken);
                for (var i = 0; i < texts.Count; i++)
                {
                    vectors[texts[i]] = encoded[i];
                }
            }

            var indexed = passages.Select(p => new IndexedPassage(
                p,
                TextTools.ContentWords(p.Title + " " + TextTools.StripUpdatePrefix(p.Text) + " " + string.Join(' ', p.Questions ?? []) + Translated(p)).ToHashSet(StringComparer.Ordinal),
                embedded ? vectors[EmbeddingText(p)] : null,
                embedded ? (p.Questions ?? []).Select(q => vectors[q]).ToArray() : null)).ToList();

            var df = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var w in indexed.SelectMany(p => p.Words))
            {
                df[w] = df.GetValueOrDefault(w) + 1;
            }

            var idf = df.ToDictionary(kv => kv.Key, kv => Math.Log(1 + (indexed.Count / (double)kv.Value)), StringComparer.Ordinal);
            _snapshot = new KnowledgeSnapshot(indexed, embedded, idf);
            _fingerprint = fingerprint;
            _built = true;
            return _snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string EmbeddingText(KnowledgePassage p) =>
        p.Title is null ? p.Text : p.Title + ". " + p.Text;

    private static int Fingerprint(List<KnowledgePassage> passages)
    {
        var hash = new HashCode();
        foreach (var p in passages)
        {
            hash.Add(p.Id, StringComparer.Ordinal);
            hash.Add(p.Text, StringComparer.Ordinal);
            hash.Add(p.Date);
            foreach (var q in p.Questions ?? [])
            {
                hash.Add(q, StringComparer.Ordinal);
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>An FAQ entry's translations, romanised as questions are (Hindi and Hinglish questions find the entry by its words).</summary>
    private static string Translated(KnowledgePassage p) =>
        p.Translations is null ? "" : " " + string.Join(' ', p.Translations.Values.Select(t => Transliteration.Canonical(t.Title + " " + t.Text)));
}

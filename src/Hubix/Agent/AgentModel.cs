using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>
/// The local sentence-embedding model (all-MiniLM-L6-v2 through ONNX Runtime, 384 dimensions). One per
/// process: it loads once, in the background, and <see cref="Ready"/> completes when it can encode.
/// </summary>
/// <remarks>
/// Loading takes about 0.5 s and ~110 MB resident (the 87 MB of fp32 weights, ONNX Runtime, the vocabulary;
/// ADR-006); encoding runs on the thread pool, one batch at a time, so a burst of questions cannot take every
/// core from the webhook and delivery work, and in length-bounded runs so the activations stay small.
/// </remarks>
public sealed partial class AgentModel : IDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _encodeGate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[]> _cache = new(StringComparer.Ordinal);
    private const int CacheLimit = 20_000;
    private readonly bool _enabled;
    private readonly ILogger _logger;
    private MiniLmEncoder? _encoder;
    private int _started;

    public AgentModel(IOptions<AgentOptions> options, ILogger<AgentModel>? logger = null)
    {
        _enabled = options.Value.EmbeddingModelEnabled;
        _logger = logger ?? NullLogger<AgentModel>.Instance;
        // Observe a failed load here so it never surfaces as an unobserved task exception.
        _ready.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Completes when the model is loaded; faults when it is disabled or failed to load.</summary>
    public Task Ready => _ready.Task;

    /// <summary>True once <see cref="Ready"/> completed successfully.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Embedding size.</summary>
    public const int Dimensions = 384;

    /// <summary>Starts loading on the thread pool; later calls do nothing.</summary>
    public void StartLoading()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        if (!_enabled)
        {
            _ready.TrySetException(new InvalidOperationException("The embedding model is disabled (Hubix:Agent:EmbeddingModelEnabled=false)."));
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var encoder = new MiniLmEncoder(intraOpThreads: Math.Min(2, Environment.ProcessorCount));
                encoder.Encode(["warm up"], CancellationToken.None);
                _encoder = encoder;

                // Loading left garbage (the tokenizer's and, on the fallback path, the model's bytes) and ONNX Runtime's
                // parse buffers as free C heap; both would stay resident until some later collection, or never (ADR-006).
                // Aggressive, not Forced: a forced collection frees an 87 MB array but keeps its pages committed.
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                NativeHeap.Trim();
                LogLoaded(_logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                _ready.TrySetResult();
            }
            catch (Exception ex)
            {
                LogLoadFailed(_logger, ex);
                _ready.TrySetException(ex);
            }
        });
    }

    /// <summary>
    /// Like <see cref="EncodeAsync"/>, but remembers vectors by text: for examples and passages, which are
    /// encoded again whenever an index is rebuilt. Not for user messages (unbounded variety).
    /// </summary>
    public async Task<float[][]> EncodeCachedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var missing = texts.Where(t => !_cache.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            var vectors = await EncodeAsync(missing, cancellationToken);
            if (_cache.Count + missing.Length > CacheLimit)
            {
                _cache.Clear();
            }

            for (var i = 0; i < missing.Length; i++)
            {
                _cache[missing[i]] = vectors[i];
            }
        }

        return texts.Select(t => _cache.TryGetValue(t, out var v) ? v : throw new InvalidOperationException("Embedding cache was cleared concurrently.")).ToArray();
    }

    /// <summary>Encodes texts into unit-length vectors, off the caller's thread.</summary>
    public async Task<float[][]> EncodeAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var encoder = _encoder ?? throw new InvalidOperationException("The embedding model is not loaded yet.");
        await _encodeGate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => encoder.Encode(texts, cancellationToken), cancellationToken);
        }
        finally
        {
            _encodeGate.Release();
        }
    }

    internal static float Cosine(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public void Dispose()
    {
        _encoder?.Dispose();
        _encodeGate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent embedding model loaded in {Ms:F0} ms")]
    private static partial void LogLoaded(ILogger logger, double ms);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent embedding model failed to load; only lexical intents will work")]
    private static partial void LogLoadFailed(ILogger logger, Exception ex);
}

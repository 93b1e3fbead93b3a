using Hubix.Agent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

[assembly: AssemblyFixture(typeof(Hubix.Tests.Agent.AgentModelFixture))]

namespace Hubix.Tests.Agent;

/// <summary>One embedding model for all agent tests (it takes 0.5 s and 450 MB to load).</summary>
public sealed class AgentModelFixture : IAsyncLifetime
{
    public AgentModel Model { get; } = new(Options.Create(new AgentOptions()));

    public async ValueTask InitializeAsync()
    {
        Model.StartLoading();
        await Model.Ready;
    }

    public ValueTask DisposeAsync()
    {
        Model.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static class AgentTestHost
{
    /// <summary>27 Nov 2026, 08:00 in India: the latest pack is 2026-11-27 (Thursday's close).</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 2, 30, 0, TimeSpan.Zero);

    public static string RepoRoot { get; } = FindRoot();

    public static string EvalPath => Path.Combine(RepoRoot, "tests", "Hubix.Tests", "Agent", "agent-eval.jsonl");

    public static ServiceProvider Build(AgentModel? model, Dictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Hubix:Agent:FaqPath"] = Path.Combine(RepoRoot, "samples", "faq.md"),
            ["Hubix:Agent:ContentPath"] = Path.Combine(RepoRoot, "samples", "content"),
            ["Hubix:Agent:EmbeddingModelEnabled"] = model is null ? "false" : "true",
        };
        foreach (var (k, v) in settings ?? [])
        {
            values[k] = v;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddLogging();
        services.AddSingleton(time ?? new FakeTimeProvider(Now));
        if (model is not null)
        {
            services.AddSingleton(model);
        }

        services.AddAgentServices();
        return services.BuildServiceProvider();
    }

    public static AgentEngine Engine(this ServiceProvider sp) => sp.GetRequiredService<AgentEngine>();

    public static Task<AgentAnswer> AskAsync(this AgentEngine engine, string text, params AgentTurn[] history) =>
        engine.AnswerAsync(new AgentQuestion(text, "+919800000001", history, "Priya"), TestContext.Current.CancellationToken);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hubix.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (Hubix.slnx) not found above " + AppContext.BaseDirectory);
    }
}

using Hubix.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hubix.Agent;

/// <summary>How the server runs conversations, bound from <c>Hubix:Agent:Conversation</c>.</summary>
public sealed class AgentConversationOptions : IHubixOptions
{
    public static string Section => "Hubix:Agent:Conversation";

    /// <summary>Pending turns claimed per round.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>How long a claimed turn belongs to one worker (a crashed worker's turns are answered by another after it).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Poll for pending turns this often when nothing woke the worker.</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts before a turn is marked failed (it is then never answered).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Earlier turns of the advisor given to the engine (follow-ups such as "and tomorrow?").</summary>
    public int HistoryTurns { get; set; } = 6;

    /// <summary>Earlier turns older than this are not history any more.</summary>
    public TimeSpan HistoryMaxAge { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The customer-service window, from Meta's timestamp of the advisor's last message.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<string> Problems()
    {
        if (BatchSize <= 0 || MaxAttempts <= 0 || Lease <= TimeSpan.Zero || IdlePoll <= TimeSpan.Zero || Window <= TimeSpan.Zero)
        {
            yield return "Hubix:Agent:Conversation: BatchSize, MaxAttempts, Lease, IdlePoll and Window must be positive.";
        }
    }
}

/// <summary>The assistant: the engine, its knowledge, and conversations answered off the inbox path (<see cref="AgentWorker"/>).</summary>
public static class AgentFeature
{

    /// <summary>
    /// Registers the agent in the server: options from <c>Hubix:Agent</c>, the embedding model (loaded in the
    /// background at start-up), the FAQ and the database's packs as knowledge (<see cref="DbPackKnowledgeSource"/>),
    /// the optional LLM, <see cref="AgentEngine"/>, and conversations: <see cref="AgentInboxHandler"/> records
    /// texts, <see cref="AgentWorker"/> answers them (options <c>Hubix:Agent:Conversation</c>), the dashboard reads its table).
    /// </summary>
    /// <remarks>Needs the data, webhooks, delivery, advisors, content and daily-pack features.</remarks>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddAgentServices();
        services.AddHostedService<AgentWarmup>();

        // Conversations (the server): packs come from the database (the directory only while it has none),
        // texts become pending turns in the inbox transaction, and AgentWorker answers them through the outbox.
        services.AddHubixOptions<AgentConversationOptions>();
        services.RemoveAll<PackDirectoryKnowledgeSource>();
        var directory = services.FirstOrDefault(d => d.ServiceType == typeof(IKnowledgeSource) && d.ImplementationType == typeof(PackDirectoryKnowledgeSource));
        if (directory is not null)
        {
            services.Remove(directory);
        }

        services.AddSingleton<PackDirectoryKnowledgeSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IKnowledgeSource, DbPackKnowledgeSource>());
        services.TryAddSingleton<AgentSignal>();
        services.TryAddSingleton<AgentMeter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInboxHandler, AgentInboxHandler>());
        services.TryAddSingleton<AgentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentWorker>());
        return builder;
    }
}

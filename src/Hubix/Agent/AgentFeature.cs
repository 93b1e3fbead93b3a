using Hubix.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hubix.Agent;

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

using Hubix.Agent;
using Hubix.Dashboard;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace (as Delivery does) so the server's table of contents needs no extra using.
namespace Microsoft.Extensions.Hosting;

public static class AgentHostingExtensions
{
    /// <summary>
    /// Registers the agent in the server: options from <c>Hubix:Agent</c>, the embedding model (loaded in the
    /// background at start-up), the FAQ and the database's packs as knowledge (<see cref="DbPackKnowledgeSource"/>),
    /// the optional LLM, <see cref="AgentEngine"/>, and conversations: <see cref="AgentInboxHandler"/> records
    /// texts, <see cref="AgentWorker"/> answers them (options <c>Hubix:Agent:Conversation</c>), plus the
    /// dashboard seams (intent/sources/latency of messages, answers by intent, hand-offs, timeline).
    /// </summary>
    /// <remarks>Needs the data, delivery, unlock, content and dashboard features (AddData ... AddDashboard).</remarks>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddAgentServices();
        services.AddHostedService<AgentWarmup>();

        // Conversations (the server): packs come from the database (the directory only while it has none),
        // texts become pending turns in the inbox transaction, and AgentWorker answers them through the outbox.
        services.AddOptions<AgentConversationOptions>().BindConfiguration(AgentConversationOptions.Section)
            .Validate(o => o.BatchSize > 0 && o.MaxAttempts > 0 && o.Lease > TimeSpan.Zero && o.IdlePoll > TimeSpan.Zero && o.Window > TimeSpan.Zero,
                "Hubix:Agent:Conversation: BatchSize, MaxAttempts, Lease, IdlePoll and Window must be positive.")
            .ValidateOnStart();
        services.RemoveAll<PackDirectoryKnowledgeSource>();
        var directory = services.FirstOrDefault(d => d.ServiceType == typeof(IKnowledgeSource) && d.ImplementationType == typeof(PackDirectoryKnowledgeSource));
        if (directory is not null)
        {
            services.Remove(directory);
        }

        services.AddSingleton<PackDirectoryKnowledgeSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IKnowledgeSource, DbPackKnowledgeSource>());
        services.TryAddSingleton<AgentSignal>();
        services.TryAddSingleton<UnlockCommands>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInboxHandler, AgentInboxHandler>());
        services.TryAddSingleton<AgentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentWorker>());
        return builder;
    }
}

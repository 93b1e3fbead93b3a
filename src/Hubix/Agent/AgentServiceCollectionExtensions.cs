using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Agent;

public static class AgentServiceCollectionExtensions
{
    /// <summary>The agent's services without the start-up warm-up (tests, CLI).</summary>
    public static IServiceCollection AddAgentServices(this IServiceCollection services)
    {
        services.AddHubixOptions<AgentOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentModel>();
        services.TryAddSingleton<IntentClassifier>();
        services.TryAddSingleton<KnowledgeIndex>();
        services.TryAddSingleton<AgentLlm>();
        services.TryAddSingleton<AgentEngine>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IKnowledgeSource, FaqKnowledgeSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IKnowledgeSource, PackDirectoryKnowledgeSource>());
        return services;
    }
}

/// <summary>Starts loading the model at start-up, without delaying it, then embeds examples and passages.</summary>
internal sealed partial class AgentWarmup(AgentModel model, IntentClassifier classifier, KnowledgeIndex index, ILogger<AgentWarmup>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? NullLogger<AgentWarmup>.Instance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        model.StartLoading();
        try
        {
            await model.Ready.WaitAsync(stoppingToken);
            await classifier.WarmUpAsync(stoppingToken);
            await index.GetAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The agent keeps answering on the lexical path; AgentModel already logged a load failure.
            LogWarmupFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent warm-up did not complete; answers use the lexical path")]
    private static partial void LogWarmupFailed(ILogger logger, Exception ex);
}

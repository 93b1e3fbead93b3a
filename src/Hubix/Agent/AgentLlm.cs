using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Hubix.Agent;

/// <summary>
/// The optional generative model (<c>Hubix:Agent:Llm</c>): any OpenAI-compatible server, e.g. Ollama.
/// It writes the answer from the retrieved passages only; on timeout, error, an empty reply or a figure
/// that is not in the passages, the caller sends the retrieval answer instead.
/// </summary>
public sealed partial class AgentLlm : IDisposable
{
    private const string SystemPrompt =
        "You are the Hubix assistant for Indian mutual fund distributors on WhatsApp. Answer the question using ONLY the " +
        "numbered passages. Copy every figure exactly as written in the passages and mention the pack date. If the passages " +
        "do not answer the question, reply exactly: I don't have that. Never recommend, rate or compare funds or stocks, and " +
        "never predict markets. Reply in at most 3 short sentences, in the language of the question. No disclaimer; it is added for you.";

    private readonly IChatClient? _client;
    private readonly AgentLlmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public AgentLlm(IOptions<AgentOptions> options, TimeProvider time, ILogger<AgentLlm>? logger = null, IChatClient? client = null)
    {
        _options = options.Value.Llm;
        _time = time;
        _logger = logger ?? NullLogger<AgentLlm>.Instance;
        _client = client ?? Create(_options);
    }

    /// <summary>True when a chat endpoint is configured.</summary>
    public bool Enabled => _client is not null;

    private static IChatClient? Create(AgentLlmOptions o)
    {
        if (o.Endpoint is null)
        {
            return null;
        }

        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = o.Endpoint,
            // The caller has a short deadline and a fallback: retrying only delays the fallback.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = o.Timeout + TimeSpan.FromSeconds(1),
        };
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(o.ApiKey) ? "unused" : o.ApiKey);
        return new OpenAIClient(credential, clientOptions).GetChatClient(o.Model).AsIChatClient();
    }

    /// <summary>Asks the model to answer from <paramref name="passages"/>; null means "use the retrieval answer".</summary>
    internal async Task<string?> TryAnswerAsync(string question, IReadOnlyList<KnowledgePassage> passages, CancellationToken cancellationToken)
    {
        if (_client is null || passages.Count == 0)
        {
            return null;
        }

        var prompt = new StringBuilder();
        prompt.AppendLine("Passages:");
        for (var i = 0; i < passages.Count; i++)
        {
            prompt.Append(CultureInfo.InvariantCulture, $"[{i + 1}] ({passages[i].Source}, {passages[i].Kind}) {passages[i].Text}").AppendLine();
        }

        prompt.AppendLine().Append("Question: ").Append(question);
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var response = await _client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SystemPrompt), new ChatMessage(ChatRole.User, prompt.ToString())],
                new ChatOptions { Temperature = 0, MaxOutputTokens = 200 },
                linked.Token);
            var text = response.Text.Trim();
            if (text.Length == 0 || text.StartsWith("I don't have that", StringComparison.OrdinalIgnoreCase))
            {
                LogFallback(_logger, "empty or no answer");
                return null;
            }

            var allowed = passages.SelectMany(p => TextTools.Figures(p.Text + " " + p.Source)).ToHashSet(StringComparer.Ordinal);
            var invented = TextTools.Figures(text).FirstOrDefault(f => !allowed.Contains(f));
            if (invented is not null)
            {
                LogFallback(_logger, "figure not in the passages");
                return null;
            }

            return text;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogFallback(_logger, "timeout");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFallback(_logger, ex.GetType().Name);
            return null;
        }
    }

    public void Dispose() => _client?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent LLM answer not used ({Reason}); sending the retrieval answer")]
    private static partial void LogFallback(ILogger logger, string reason);
}

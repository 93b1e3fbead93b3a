namespace Hubix.Agent;

/// <summary>
/// Settings of the AI CRM agent, bound from <c>Hubix:Agent</c>.
/// </summary>
/// <remarks>
/// Relative paths resolve against the host's content root. Example:
/// <code>
/// "Hubix": { "Agent": {
///   "FaqPath": "samples/faq.md", "ContentPath": "samples/content",
///   "Llm": { "Endpoint": "http://127.0.0.1:11434/v1", "Model": "qwen2.5:1.5b", "Timeout": "00:00:01.5" } } }
/// </code>
/// </remarks>
public sealed class AgentOptions : IHubixOptions
{
    public static string Section => "Hubix:Agent";

    /// <summary>The FAQ markdown file (format described at the top of <c>samples/faq.md</c>).</summary>
    public string FaqPath { get; set; } = "samples/faq.md";

    /// <summary>The folder of content packs: <c>&lt;ContentPath&gt;/YYYY-MM-DD/pack.json</c>.</summary>
    public string ContentPath { get; set; } = "samples/content";

    /// <summary>Appended to market answers and to declined advice requests.</summary>
    public string Disclaimer { get; set; } =
        "For information only; not investment advice. Mutual fund investments are subject to market risks.";

    /// <summary>
    /// The disclaimer in other languages, by <see cref="AgentLanguages"/> code (<c>hi</c>, <c>hi-Latn</c>); a language
    /// not listed uses the built-in translation (<see cref="AgentTexts"/>).
    /// </summary>
    public Dictionary<string, string> Disclaimers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Load the local sentence-embedding model (MiniLM, about 450 MB RSS). When false only lexical rules run.</summary>
    public bool EmbeddingModelEnabled { get; set; } = true;

    /// <summary>Time zone that decides which pack is "today" (IANA id).</summary>
    public string TimeZone { get; set; } = "Asia/Kolkata";

    /// <summary>Fixes "today" (for demos, evaluation and replays); null means the clock's date in <see cref="TimeZone"/>.</summary>
    public DateOnly? Today { get; set; }

    /// <summary>Packs older than this many days before today are not used to answer market questions.</summary>
    public int MaxPackAgeDays { get; set; } = 14;

    /// <summary>Minimum fused intent score (cosine similarity plus lexical hints) below which a message is <c>unknown</c>.</summary>
    public double IntentThreshold { get; set; } = 0.5;

    /// <summary>Minimum retrieval score below which the agent answers "I don't have that".</summary>
    public double AnswerThreshold { get; set; } = 0.35;

    /// <summary>Optional generative model that writes answers from the retrieved passages.</summary>
    public AgentLlmOptions Llm { get; set; } = new();

    public IEnumerable<string> Problems()
    {
        if (Llm.Timeout <= TimeSpan.Zero)
        {
            yield return "Hubix:Agent:Llm:Timeout must be positive.";
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            yield return "Hubix:Agent:TimeZone is not a known time zone.";
        }
    }
}

/// <summary>An OpenAI-compatible chat endpoint (Ollama: <c>http://127.0.0.1:11434/v1</c>).</summary>
public sealed class AgentLlmOptions
{
    /// <summary>Base address of the OpenAI-compatible API, including <c>/v1</c>. Null disables the LLM.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Model name sent to the server.</summary>
    public string Model { get; set; } = "qwen2.5:1.5b";

    /// <summary>API key, when the server wants one (Ollama does not).</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long to wait for the model before sending the retrieval answer instead.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1.5);
}

namespace Hubix.Agent;

/// <summary>The intent names the agent recognises (exact strings, also used as button ids).</summary>
public static class AgentIntents
{
    public const string UnlockAll = "unlock_all";
    public const string UnlockImages = "unlock_images";
    public const string UnlockPosts = "unlock_posts";
    public const string UnlockUpdates = "unlock_updates";
    public const string MarketQuestion = "market_question";
    public const string AdviceRequest = "advice_request";
    public const string Faq = "faq";
    public const string Help = "help";
    public const string OptOut = "opt_out";
    public const string OptIn = "opt_in";

    /// <summary>Something that may mean "stop" ("nahi chahiye", "bas karo"): the agent asks, with an opt-out button, and does nothing else.</summary>
    public const string ConfirmOptOut = "confirm_opt_out";
    public const string Handoff = "handoff";
    public const string Greeting = "greeting";
    public const string Thanks = "thanks";
    public const string Unknown = "unknown";

    public static readonly IReadOnlyList<string> All =
    [
        UnlockAll, UnlockImages, UnlockPosts, UnlockUpdates, MarketQuestion, AdviceRequest, Faq, Help,
        OptOut, OptIn, ConfirmOptOut, Handoff, Greeting, Thanks, Unknown,
    ];
}

/// <summary>How an answer was produced.</summary>
public static class AgentPaths
{
    public const string Lexical = "lexical";
    public const string Embedding = "embedding";

    /// <summary>Character n-grams of the romanised text (<see cref="NgramClassifier"/>): Hindi, Hinglish, and any language while MiniLM loads.</summary>
    public const string Ngram = "ngram";
    public const string Llm = "llm";

    /// <summary>The intent was given: a tap on one of the agent's reply buttons (<see cref="AgentQuestion.Intent"/>).</summary>
    public const string Button = "button";
}

/// <summary>One earlier message of the conversation, oldest first.</summary>
/// <param name="Role"><c>user</c> (the advisor) or <c>agent</c>.</param>
/// <param name="Text">The message text.</param>
/// <param name="Intent">The intent the agent gave it, when known; otherwise it is recognised again.</param>
public sealed record AgentTurn(string Role, string Text, string? Intent = null)
{
    public const string UserRole = "user";
    public const string AgentRole = "agent";

    public bool IsUser => string.Equals(Role, UserRole, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A message from an advisor.</summary>
public sealed record AgentQuestion(string Text, string? Phone, IReadOnlyList<AgentTurn> History, string? AdvisorName)
{
    public AgentQuestion(string text) : this(text, null, [], null) { }

    /// <summary>A known intent (the id of a tapped reply button, one of <see cref="AgentIntents.All"/>): recognition is skipped.</summary>
    public string? Intent { get; init; }

    /// <summary>The advisor's stored language (<c>Advisor.Language</c>): the reply language when the message has none of its own ("STOP", "ok", a button tap).</summary>
    public string? AdvisorLanguage { get; init; }
}

/// <summary>An interactive reply button: WhatsApp allows at most 3, titles of at most 20 characters.</summary>
/// <param name="Id">The button's payload; one of <see cref="AgentIntents"/>.</param>
public sealed record MenuButton(string Id, string Title);

/// <summary>The agent's answer. Nothing is sent: the caller sends <see cref="Reply"/> (and <see cref="Buttons"/>) and acts on <see cref="Intent"/>.</summary>
/// <param name="Intent">One of <see cref="AgentIntents"/>. For <c>opt_out</c>/<c>opt_in</c>/<c>handoff</c>/<c>unlock_*</c> the caller performs the action.</param>
/// <param name="Reply">Text to send.</param>
/// <param name="Sources">Where the answer came from, e.g. <c>pack 2026-11-24</c> or <c>FAQ: how-to-stop</c>.</param>
/// <param name="Buttons">Reply buttons to send with the text, or null.</param>
/// <param name="Llm">True when a generative model wrote the reply.</param>
/// <param name="LatencyMs">Time spent answering.</param>
/// <param name="Path">How the intent was recognised, or <c>llm</c> when the model wrote the reply: see <see cref="AgentPaths"/>.</param>
public sealed record AgentAnswer(
    string Intent,
    string Reply,
    IReadOnlyList<string> Sources,
    IReadOnlyList<MenuButton>? Buttons,
    bool Llm,
    double LatencyMs,
    string Path)
{
    /// <summary>The language the advisor wrote in (<see cref="AgentLanguages"/>), detected from the message.</summary>
    public string Lang { get; init; } = AgentLanguages.English;

    /// <summary>The language of <see cref="Reply"/>: the message's, or the advisor's when the message has none.</summary>
    public string ReplyLang { get; init; } = AgentLanguages.English;
}

/// <summary>A piece of text the agent may quote.</summary>
/// <param name="Id">Stable id, unique across sources.</param>
/// <param name="Source">Shown to the advisor, e.g. <c>pack 2026-11-24</c> or <c>FAQ: how-to-stop</c>.</param>
/// <param name="Kind"><c>faq</c>, <c>post</c>, <c>update</c>, <c>image</c> or <c>document</c>.</param>
/// <param name="Date">The pack date; null for FAQ entries.</param>
/// <param name="Text">The text to quote (placeholders already resolved).</param>
/// <param name="Title">FAQ title, if any.</param>
/// <param name="Questions">Example questions that should find this passage (FAQ), if any.</param>
/// <param name="Translations">The FAQ entry in other languages (<see cref="AgentLanguages"/>), if any.</param>
public sealed record KnowledgePassage(
    string Id,
    string Source,
    string Kind,
    DateOnly? Date,
    string Text,
    string? Title = null,
    IReadOnlyList<string>? Questions = null,
    IReadOnlyDictionary<string, FaqTranslation>? Translations = null)
{
    public const string FaqKind = "faq";
    public const string PostKind = "post";
    public const string UpdateKind = "update";
    public const string ImageKind = "image";
    public const string DocumentKind = "document";
}

/// <summary>An FAQ entry's answer in another language; a null title keeps the entry's.</summary>
public sealed record FaqTranslation(string? Title, string Text);

/// <summary>Supplies passages. Implementations cache and return the same content until it changes.</summary>
public interface IKnowledgeSource
{
    Task<IReadOnlyList<KnowledgePassage>> GetPassagesAsync(CancellationToken cancellationToken);
}

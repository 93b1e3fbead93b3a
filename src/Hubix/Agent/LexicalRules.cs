namespace Hubix.Agent;

/// <summary>What the cheap rules found: a <see cref="Strong"/> intent is final; <see cref="Hints"/> only bias the model.</summary>
internal sealed record LexicalResult(string? Strong, IReadOnlySet<string> Hints);

/// <summary>
/// Cheap and reliable intent rules: exact commands (English, Hinglish, Devanagari), typo-tolerant
/// keywords and phrases. They run before the embedding model and work while it is still loading.
/// </summary>
/// <remarks>
/// Questions *about* an action ("how do I stop?") are left to the model: the FAQ answers them, and an
/// advisor is never unsubscribed by a question.
/// </remarks>
internal static class LexicalRules
{
    // Whole-message commands (after normalisation). Button titles are here so a typed title works too.
    private static readonly Dictionary<string, string> s_exact = Build(new()
    {
        [AgentIntents.OptOut] =
        [
            "stop", "stop all", "stopall", "unsubscribe", "unsubscribe me", "unsub", "cancel", "quit", "end", "opt out", "optout",
            "stop messages", "stop message", "band karo", "band kar do", "band kardo", "bandh karo", "band", "bandh", "roko",
            "ruko", "mat bhejo", "बंद करो", "बंद", "बंद कर दो", "रोको", "रोक दो", "मत भेजो", "बंद करें",
        ],
        [AgentIntents.OptIn] =
        [
            "start", "unstop", "subscribe", "resubscribe", "resume", "restart", "opt in", "optin", "start again",
            "shuru karo", "shuru", "chalu karo", "chalu", "phir se shuru karo", "wapas shuru karo", "चालू करो", "शुरू करो",
            "फिर से शुरू करो", "चालू",
        ],
        [AgentIntents.Help] = ["help", "menu", "options", "commands", "help me", "madad", "मदद", "सहायता", "info"],
        [AgentIntents.Greeting] =
        [
            "hi", "hii", "hiii", "hello", "helo", "hey", "hey there", "hi there", "hello there", "namaste", "namaskar",
            "namaste ji", "good morning", "good afternoon", "good evening", "gm", "hi sir", "hello sir", "hey sir",
            "good morning sir", "ram ram", "jai shri krishna", "नमस्ते", "नमस्कार", "राम राम", "hello ji", "hi ji",
        ],
        [AgentIntents.Thanks] =
        [
            "thanks", "thank you", "thankyou", "thx", "ty", "tnx", "thanks a lot", "thank you so much", "ok thanks",
            "ok thank you", "dhanyavad", "dhanyawad", "dhanyavaad", "shukriya", "धन्यवाद", "शुक्रिया", "thanks sir",
            "thank you sir", "great thanks", "many thanks",
        ],
        [AgentIntents.UnlockAll] = ["todays content", "today content", "aaj ka content", "aaj ka pack", "todays pack", "unlock"],
        [AgentIntents.UnlockUpdates] = ["market update", "todays update", "aaj ka update", "update"],
        [AgentIntents.UnlockImages] = ["images", "image", "photos", "photo", "pics"],
        [AgentIntents.UnlockPosts] = ["posts", "post"],
        [AgentIntents.Handoff] = ["talk to a person", "talk to person", "human", "agent", "support", "customer care"],
    });

    // Single words for typo-tolerant whole-message commands (only long enough words, to stay safe).
    private static readonly (string Word, string Intent)[] s_fuzzyCommands =
    [
        ("unsubscribe", AgentIntents.OptOut), ("resubscribe", AgentIntents.OptIn), ("subscribe", AgentIntents.OptIn),
        ("help", AgentIntents.Help), ("menu", AgentIntents.Help), ("hello", AgentIntents.Greeting),
        ("namaste", AgentIntents.Greeting), ("thanks", AgentIntents.Thanks), ("shukriya", AgentIntents.Thanks),
        ("dhanyavad", AgentIntents.Thanks),
    ];

    private static readonly string[] s_optOutPhrases =
    [
        "stop sending", "stop the messages", "stop these messages", "stop all messages", "stop messaging", "stop my subscription",
        "dont send", "do not send", "no more messages", "mat bhejo", "mat bhejna", "mat bhejiye", "band karo", "band kar do",
        "band kardo", "band kijiye", "unsubscribe me", "remove me", "remove my number", "बंद करो", "मत भेजो", "रोक दो",
    ];

    private static readonly string[] s_optInPhrases =
    [
        "start sending", "start again", "resume", "resubscribe", "subscribe again", "subscribe me", "shuru karo", "shuru kar do",
        "chalu karo", "chalu kar do", "phir se shuru", "wapas shuru", "dobara shuru", "चालू करो", "शुरू करो",
    ];

    private static readonly string[] s_handoffPhrases =
    [
        "talk to a", "talk to someone", "talk to person", "talk to human", "speak to", "speak with", "talk with",
        "baat karni", "baat karna", "baat karwao", "baat karao", "baat karwa", "call me", "call back", "callback", "real person",
        "a human", "human please", "insaan se", "insan se", "kisi se baat", "connect me", "agent se", "customer care",
        "executive se", "person please",
    ];

    private static readonly string[] s_advicePhrases =
    [
        "should i buy", "should i sell", "should i invest", "should i redeem", "should i switch", "should i put", "should i stop",
        "should i exit", "should i hold", "should i start", "should my client", "should we", "which fund", "which scheme",
        "which mutual fund", "which mf", "best fund", "best mutual fund", "best sip", "best elss", "best debt", "best small",
        "best large", "best mid", "best flexi", "top fund", "kaunsa fund", "konsa fund", "kon sa fund", "kaun sa fund",
        "recommend", "suggest a fund", "suggest fund", "suggest some", "good time to invest", "right time to invest",
        "better than", "lena chahiye", "kharidna chahiye", "bechna chahiye", "redeem karna chahiye", "invest karna chahiye",
        "redeem karu", "invest karu", "kahan invest", "where should i invest", "where to invest", "is it good to buy",
        "is it safe to invest", "portfolio review",
    ];

    private static readonly string[] s_questionStarts =
    [
        "how", "where", "when", "what time", "kaise", "kab", "kahan", "can i", "could i", "is it possible", "is there",
        "why", "do you", "does",
    ];

    private static readonly HashSet<string> s_requestWords = new(StringComparer.Ordinal)
    {
        "send", "bhejo", "bhej", "bhejdo", "bhejiye", "bhejna", "share", "give", "chahiye", "want", "need", "unlock", "dedo",
        "do", "de", "please", "pls", "plz", "only", "again", "resend", "forward", "dikhao", "bhejo", "भेजो", "भेजें", "चाहिए",
    };

    private static readonly string[] s_imageWords =
        ["image", "images", "img", "imgs", "photo", "photos", "pic", "pics", "picture", "pictures", "poster", "posters",
         "creative", "creatives", "chart", "charts", "graphic", "graphics", "tasveer", "फोटो", "तस्वीर"];

    private static readonly string[] s_postWords = ["post", "posts", "text", "texts", "पोस्ट"];
    private static readonly string[] s_updateWords = ["update", "updates", "अपडेट"];
    private static readonly string[] s_allWords =
        ["content", "pack", "everything", "sab", "sabkuch", "material", "kit", "today", "todays", "aaj", "all", "कंटेंट"];

    private static readonly HashSet<string> s_languageWords = new(StringComparer.Ordinal)
    {
        "hindi", "english", "gujarati", "marathi", "tamil", "telugu", "bengali", "kannada", "language", "bhasha",
    };

    private static readonly string[] s_marketWords =
    [
        "nifty", "sensex", "market", "markets", "bazaar", "bazar", "yield", "bond", "gsec", "rupee", "dollar", "inr", "fii", "fiis",
        "dii", "diis", "repo", "rbi", "gdp", "vix", "gold", "crude", "oil", "midcap", "smallcap", "inflow", "inflows", "index",
        "close", "closed", "fell", "gira", "upar", "neeche", "rally", "crash", "points", "policy", "rate",
        "निफ्टी", "सेंसेक्स", "बाजार", "बाज़ार", "मार्केट", "शेयर",
    ];

    private static readonly string[] s_faqWords =
    [
        "hubix", "service", "subscription", "cost", "charges", "free", "paid", "privacy", "data", "safe", "language",
        "hindi", "gujarati", "categories", "category", "topics", "arn", "spelled", "spelt", "kitne", "baje", "time", "receive",
        "aaya", "arrive", "forward", "bot",
    ];

    private static readonly string[] s_helpWords = ["help", "menu", "options", "madad", "commands"];

    public static LexicalResult Classify(string text)
    {
        var norm = TextTools.Normalize(text);
        var hints = new HashSet<string>(StringComparer.Ordinal);
        if (norm.Length == 0)
        {
            return new LexicalResult(null, hints);
        }

        if (s_exact.TryGetValue(norm, out var exact))
        {
            return new LexicalResult(exact, hints);
        }

        var tokens = TextTools.Tokens(norm);
        if (tokens.Length == 1)
        {
            foreach (var (word, intent) in s_fuzzyCommands)
            {
                if (TextTools.FuzzyEquals(tokens[0], word))
                {
                    return new LexicalResult(intent, hints);
                }
            }
        }

        var padded = " " + norm + " ";
        var isQuestion = s_questionStarts.Any(q => norm.StartsWith(q + " ", StringComparison.Ordinal) || norm == q);

        if (s_advicePhrases.Any(p => Contains(padded, p)))
        {
            return new LexicalResult(AgentIntents.AdviceRequest, hints);
        }

        if (!isQuestion)
        {
            if (s_optOutPhrases.Any(p => Contains(padded, p)))
            {
                return new LexicalResult(AgentIntents.OptOut, hints);
            }

            if (s_optInPhrases.Any(p => Contains(padded, p)))
            {
                return new LexicalResult(AgentIntents.OptIn, hints);
            }

            if (s_handoffPhrases.Any(p => Contains(padded, p)))
            {
                return new LexicalResult(AgentIntents.Handoff, hints);
            }

            var unlock = Unlock(tokens);
            if (unlock is not null)
            {
                return new LexicalResult(unlock, hints);
            }
        }

        if (AnyWord(tokens, s_marketWords))
        {
            hints.Add(AgentIntents.MarketQuestion);
        }

        if (AnyWord(tokens, s_faqWords))
        {
            hints.Add(AgentIntents.Faq);
        }

        if (AnyWord(tokens, s_helpWords))
        {
            hints.Add(AgentIntents.Help);
        }

        if (s_handoffPhrases.Any(p => Contains(padded, p)))
        {
            hints.Add(AgentIntents.Handoff);
        }

        return new LexicalResult(null, hints);
    }

    /// <summary>"photo bhejo", "send only the posts", "todays mkt update pls": a request word plus what to send.</summary>
    private static string? Unlock(string[] tokens)
    {
        if (tokens.Any(s_languageWords.Contains))
        {
            return null;
        }

        var images = AnyWord(tokens, s_imageWords);
        var posts = AnyWord(tokens, s_postWords);
        var updates = AnyWord(tokens, s_updateWords);
        var all = AnyWord(tokens, s_allWords);
        var specific = (images ? 1 : 0) + (posts ? 1 : 0) + (updates ? 1 : 0);
        if (specific == 0 && !all)
        {
            return null;
        }

        var request = tokens.Any(s_requestWords.Contains);
        var objectOnly = tokens.Length <= 3 && (specific > 0 || tokens.Any(t => t is "content" or "pack" or "contnet"));
        if (!request && !objectOnly)
        {
            return null;
        }

        // Only the nouns decide: a request with no noun ("send it") is not an unlock.
        if (specific == 1)
        {
            return images ? AgentIntents.UnlockImages : posts ? AgentIntents.UnlockPosts : AgentIntents.UnlockUpdates;
        }

        if (specific > 1 || tokens.Any(t => t is not ("today" or "todays" or "aaj") && s_allWords.Any(w => TextTools.FuzzyEquals(t, w))))
        {
            return AgentIntents.UnlockAll;
        }

        // "send today" / "aaj ka bhejo": a request word and a day word only.
        return tokens.Length <= 4 ? AgentIntents.UnlockAll : null;
    }

    private static bool AnyWord(string[] tokens, string[] words) =>
        tokens.Any(t => words.Any(w => TextTools.FuzzyEquals(t, w)));

    private static bool Contains(string padded, string phrase) =>
        padded.Contains(" " + phrase + " ", StringComparison.Ordinal);

    private static Dictionary<string, string> Build(Dictionary<string, string[]> byIntent)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (intent, phrases) in byIntent)
        {
            foreach (var p in phrases)
            {
                map[TextTools.Normalize(p)] = intent;
            }
        }

        return map;
    }
}

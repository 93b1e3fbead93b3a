namespace Hubix.Agent;

/// <summary>What the cheap rules found: a <see cref="Strong"/> intent is final; <see cref="Hints"/> only bias the model.</summary>
internal sealed record LexicalResult(string? Strong, IReadOnlySet<string> Hints)
{
    /// <summary>What <see cref="StopRules"/> found: a classifier may not turn a question about stopping or a "don't stop" into an opt-out.</summary>
    public StopSignal Stop { get; init; }

    /// <summary>The message after transliteration and spelling folding (<see cref="Transliteration.Canonical"/>).</summary>
    public string Canonical { get; init; } = "";
}

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
            "ruko", "mat bhejo", "बंद करो", "बंद", "बंद कर दो", "रोको", "रोक दो", "मत भेजो", "बंद करें", "stop karo", "stop kar do",
            "unsubscribe karo", "unsubscribe kar do", "band kijiye", "band kar dijiye", "स्टॉप", "अनसब्सक्राइब",
        ],
        [AgentIntents.OptIn] =
        [
            "start", "unstop", "subscribe", "resubscribe", "resume", "restart", "opt in", "optin", "start again",
            "shuru karo", "shuru", "chalu karo", "chalu", "phir se shuru karo", "wapas shuru karo", "चालू करो", "शुरू करो",
            "फिर से शुरू करो", "चालू", "start karo", "start kar do", "subscribe karo", "chalu kar do", "chalu kijiye", "shuru kijiye",
            "शुरू करें", "चालू करें", "स्टार्ट", "स्टार्ट करो",
        ],
        [AgentIntents.Help] = ["help", "menu", "options", "commands", "help me", "madad", "मदद", "सहायता", "info"],
        [AgentIntents.Greeting] =
        [
            "hi", "hii", "hiii", "hello", "helo", "hey", "hey there", "hi there", "hello there", "namaste", "namaskar",
            "namaste ji", "good morning", "good afternoon", "good evening", "gm", "hi sir", "hello sir", "hey sir",
            "good morning sir", "ram ram", "jai shri krishna", "नमस्ते", "नमस्कार", "राम राम", "hello ji", "hi ji",
            "namaste sir", "namaskar sir", "ram ram sir", "ram ram ji", "pranam", "pranam ji", "जय श्री कृष्ण", "सुप्रभात", "radhe radhe", "jai hind",
        ],
        [AgentIntents.Thanks] =
        [
            "thanks", "thank you", "thankyou", "thx", "ty", "tnx", "thanks a lot", "thank you so much", "ok thanks",
            "ok thank you", "dhanyavad", "dhanyawad", "dhanyavaad", "shukriya", "धन्यवाद", "शुक्रिया", "thanks sir",
            "thank you sir", "great thanks", "many thanks", "dhanyavad ji", "shukriya ji", "thanks ji", "thank you ji",
            "bahut dhanyavad", "bahut shukriya", "बहुत धन्यवाद", "धन्यवाद जी",
        ],
        [AgentIntents.UnlockAll] = ["todays content", "today content", "aaj ka content", "aaj ka pack", "todays pack", "unlock"],
        [AgentIntents.UnlockUpdates] = ["market update", "todays update", "aaj ka update", "update"],
        [AgentIntents.UnlockImages] = ["images", "image", "photos", "photo", "pics"],
        [AgentIntents.UnlockPosts] = ["posts", "post"],
        [AgentIntents.Handoff] = ["talk to a person", "talk to person", "human", "agent", "support", "customer care", "call karo", "call me please"],
    });

    // Single words for typo-tolerant whole-message commands (only long enough words, to stay safe).
    private static readonly (string Word, string Intent)[] s_fuzzyCommands =
    [
        ("unsubscribe", AgentIntents.OptOut), ("resubscribe", AgentIntents.OptIn), ("subscribe", AgentIntents.OptIn),
        ("help", AgentIntents.Help), ("menu", AgentIntents.Help), ("hello", AgentIntents.Greeting),
        ("namaste", AgentIntents.Greeting), ("thanks", AgentIntents.Thanks), ("shukriya", AgentIntents.Thanks),
        ("dhanyavad", AgentIntents.Thanks),
    ];

    private static readonly string[] s_optInPhrases =
    [
        "start sending", "start again", "resume", "resubscribe", "subscribe again", "subscribe me", "shuru karo", "shuru kar do",
        "chalu karo", "chalu kar do", "phir se shuru", "wapas shuru", "dobara shuru", "chalu kijiye", "shuru kijiye",
        "shuru karein", "chalu karein", "dobara subscribe", "phir se subscribe", "subscribe karein", "subscribe kijiye",
        "subscribe kar dijiye", "start karo", "start kar do", "start kijiye", "subscribe karo", "subscribe kar do",
        "subscribe karna", "firse shuru", "phirse shuru", "start again please",
    ];

    private static readonly string[] s_handoffPhrases =
    [
        "talk to a", "talk to someone", "talk to person", "talk to human", "speak to", "speak with", "talk with",
        "baat karni", "baat karna", "baat karwao", "baat karao", "baat karwa", "call me", "call back", "callback", "real person",
        "a human", "human please", "insaan se", "insan se", "kisi se baat", "connect me", "agent se", "customer care",
        "executive se", "person please", "call karo", "call kijiye", "call kariye", "call karein", "phone karo", "phone kijiye",
        "baat karni hai", "baat kara", "baat karaiye", "insaan chahiye", "person se baat", "team se baat", "kisi vyakti",
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
        "is it safe to invest", "portfolio review", "kaunsa fund", "kaunsa sip", "kaunsa scheme", "best fund", "fund batao",
        "fund bataiye", "fund suggest", "salah do", "salah dijiye", "lu kya", "kharidu kya", "bechu kya", "invest karu kya",
        "lagau kya", "paisa lagau", "paise lagau", "kahan lagau", "redeem kar du", "redeem karu kya", "switch karu",
        "lena sahi", "kharidna sahi", "invest karna sahi", "achha fund", "accha fund", "acche fund", "sabse accha fund",
    ];

    private static readonly string[] s_questionStarts =
    [
        "how", "where", "when", "what time", "kaise", "kab", "kahan", "can i", "could i", "is it possible", "is there",
        "why", "do you", "does",
    ];

    private static readonly HashSet<string> s_requestWords = new(StringComparer.Ordinal)
    {
        "send", "bhejo", "bhej", "bhejdo", "bhejiye", "bhejna", "share", "give", "chahiye", "want", "need", "unlock", "dedo",
        "do", "de", "please", "pls", "plz", "only", "again", "resend", "forward", "dikhao", "bhejo", "bhejein", "bheje", "dijiye",
        "dein", "sirf", "dubara", "dobara",
    };

    private static readonly string[] s_imageWords =
        ["image", "images", "img", "imgs", "photo", "photos", "pic", "pics", "picture", "pictures", "poster", "posters",
         "creative", "creatives", "chart", "charts", "graphic", "graphics", "tasveer"];

    private static readonly string[] s_postWords = ["post", "posts", "text", "texts"];
    private static readonly string[] s_updateWords = ["update", "updates"];
    private static readonly string[] s_allWords =
        ["content", "pack", "everything", "sab", "sabkuch", "material", "kit", "today", "todays", "aaj", "all", "pura", "poora"];

    private static readonly HashSet<string> s_languageWords = new(StringComparer.Ordinal)
    {
        "hindi", "english", "gujarati", "marathi", "tamil", "telugu", "bengali", "kannada", "language", "bhasha",
    };

    private static readonly string[] s_marketWords =
    [
        "nifty", "sensex", "market", "markets", "bazaar", "bazar", "yield", "bond", "gsec", "rupee", "dollar", "inr", "fii", "fiis",
        "dii", "diis", "repo", "rbi", "gdp", "vix", "gold", "crude", "oil", "midcap", "smallcap", "inflow", "inflows", "index",
        "close", "closed", "fell", "gira", "upar", "neeche", "rally", "crash", "points", "policy", "rate", "chadha", "bhav",
        "share", "sona", "rupaya", "giri",
    ];

    private static readonly string[] s_faqWords =
    [
        "hubix", "service", "subscription", "cost", "charges", "free", "paid", "privacy", "data", "safe", "language",
        "hindi", "gujarati", "categories", "category", "topics", "arn", "spelled", "spelt", "kitne", "baje", "time", "receive",
        "aaya", "arrive", "forward", "bot", "aata", "aati", "milega", "galat", "banata", "kaun",
    ];

    private static readonly string[] s_helpWords = ["help", "menu", "options", "madad", "commands"];

    public static LexicalResult Classify(string text)
    {
        var norm = Transliteration.Canonical(text);
        var hints = new HashSet<string>(StringComparer.Ordinal);
        if (norm.Length == 0)
        {
            return new LexicalResult(null, hints) { Canonical = norm };
        }

        var stop = StopRules.Check(norm);
        if (s_exact.TryGetValue(norm, out var exact) && !(exact == AgentIntents.OptOut && stop == StopSignal.KeepGoing))
        {
            return new LexicalResult(exact, hints) { Stop = stop, Canonical = norm };
        }

        // Stopping comes before anything else, unlocks included: "ab ye sab nahi chahiye, unsubscribe karo" must never
        // send the day's content. An uncertain case asks.
        switch (stop)
        {
            case StopSignal.Stop:
                return new LexicalResult(AgentIntents.OptOut, hints) { Stop = stop, Canonical = norm };
            case StopSignal.Ambiguous:
                return new LexicalResult(AgentIntents.ConfirmOptOut, hints) { Stop = stop, Canonical = norm };
        }

        return Rules(norm, hints) with { Stop = stop, Canonical = norm };
    }

    private static LexicalResult Rules(string norm, HashSet<string> hints)
    {
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

        // "thank you so much ji", "namaste sir ji 🙏": a greeting or thanks and polite words only.
        var polite = PoliteOnly(tokens);
        if (polite is not null)
        {
            return new LexicalResult(polite, hints);
        }

        var padded = " " + norm + " ";
        var isQuestion = s_questionStarts.Any(q => norm.StartsWith(q + " ", StringComparison.Ordinal) || norm == q)
            || Contains(padded, "kaise") || Contains(padded, "kyun") || Contains(padded, "kab") || Contains(padded, "kitne baje");

        if (s_advicePhrases.Any(p => Contains(padded, p)))
        {
            return new LexicalResult(AgentIntents.AdviceRequest, hints);
        }

        if (!isQuestion)
        {
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

    private static readonly HashSet<string> s_politeWords = new(StringComparer.Ordinal)
    {
        "sir", "ji", "madam", "mam", "bhai", "bhaiya", "so", "much", "very", "a", "lot", "bahut", "ok", "great", "dear", "team", "you",
        "all", "everyone", "again", "once", "and", "aapka", "aapko", "sabko", "hello", "hi",
    };

    private static string? PoliteOnly(string[] tokens)
    {
        if (tokens.Length > 6)
        {
            return null;
        }

        var thanks = tokens.Count(t => t is "thanks" or "thank" or "dhanyavad" or "shukriya" or "thanku" or "ty");
        var greeting = tokens.Count(t => t is "namaste" or "namaskar" or "pranam" or "morning" or "good" or "evening" or "ram" or "radhe" or "hello" or "hi");
        if (thanks == 0 && greeting == 0)
        {
            return null;
        }

        if (!tokens.All(t => s_politeWords.Contains(t) || t is "thanks" or "thank" or "dhanyavad" or "shukriya" or "thanku" or "ty"
            or "namaste" or "namaskar" or "pranam" or "morning" or "good" or "evening" or "ram" or "radhe"))
        {
            return null;
        }

        return thanks > 0 ? AgentIntents.Thanks : AgentIntents.Greeting;
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
                map[Transliteration.Canonical(p)] = intent;
            }
        }

        return map;
    }
}

namespace Hubix.Agent;

/// <summary>What <see cref="StopRules"/> found in a message.</summary>
internal enum StopSignal
{
    /// <summary>Nothing about stopping.</summary>
    None = 0,

    /// <summary>A clear request to stop the messages, in any language: the advisor is unsubscribed.</summary>
    Stop = 1,

    /// <summary>Something that may mean "stop" ("nahi chahiye", "bas karo", "photo mat bhejo"): ask before acting, never unlock.</summary>
    Ambiguous = 2,

    /// <summary>"Don't stop", "band mat karo": not an opt-out, whatever the classifier thinks.</summary>
    KeepGoing = 3,

    /// <summary>A question about stopping ("how do I stop?", "band kaise karein?"): the FAQ answers it.</summary>
    Question = 4,
}

/// <summary>
/// Opt-out recognition on the canonical (romanised, spelling-folded) text, the same in English, Hinglish and Hindi.
/// A missed STOP is the worst error the agent can make (a compliance failure that also lowers the number's quality
/// rating), and sending content to someone who asked to stop is the second worst; so these rules run before
/// everything else, override every unlock, and an uncertain case asks rather than guesses.
/// </summary>
internal static class StopRules
{
    private static readonly HashSet<string> s_negations = new(StringComparer.Ordinal) { "nahi", "na", "mat", "dont", "not", "no", "never", "nahin" };

    // Imperative and polite forms after "band", "rok", "hata": "band karo", "band kar dijiye", "rok do".
    private static readonly HashSet<string> s_doVerbs = new(StringComparer.Ordinal)
    {
        "karo", "kar", "kardo", "kijiye", "karein", "kare", "kariye", "karde", "karna", "karen", "karwa", "karwao", "krwa", "do",
        "dijiye", "dein", "de", "dena", "dijie", "karun", "karu", "hatao", "karado",
    };

    // "band hua", "band hoga": the market closed; not a request.
    private static readonly HashSet<string> s_closedVerbs = new(StringComparer.Ordinal)
    {
        "hua", "hui", "hue", "hoga", "hogi", "hone", "hota", "hoti", "huaa", "raha", "rahi", "tha", "thi", "rahega", "hai", "ho",
    };

    // An investment being stopped ("SIP band karu?", "stop loss") is a question for a person, not an opt-out.
    private static readonly HashSet<string> s_investmentWords = new(StringComparer.Ordinal)
    {
        "sip", "sips", "fund", "funds", "loss", "stoploss", "invest", "investment", "redeem", "redemption", "policy", "scheme",
        "insurance", "portfolio", "units", "emi", "stp", "swp", "premium", "nifty", "sensex", "market", "bazaar", "trading",
    };

    private static readonly HashSet<string> s_messageWords = new(StringComparer.Ordinal)
    {
        "message", "messages", "msg", "content", "pack", "updates", "notifications", "notification", "whatsapp", "daily",
        "ye", "yeh", "sab", "ab", "these", "this", "all", "service", "subscription", "roz", "har",
    };

    private static readonly HashSet<string> s_sendVerbs = new(StringComparer.Ordinal)
    {
        "bhejo", "bhejna", "bhejiye", "bhejein", "bheje", "bhej", "bhejte", "send", "sending", "message", "messages", "msg",
    };

    private static readonly HashSet<string> s_contentNouns = new(StringComparer.Ordinal)
    {
        "photo", "photos", "image", "images", "pic", "pics", "post", "posts", "update", "video", "videos", "pdf", "poster", "posters",
    };

    private static readonly string[] s_stopPhrases =
    [
        "stop sending", "stop the messages", "stop these messages", "stop all messages", "stop messaging", "stop my subscription",
        "no more messages", "no more message", "remove me", "remove my number", "delete my number",
        "take me off", "opt out", "opt me out", "not interested", "interested nahi", "cancel my subscription", "cancel subscription",
        "leave this list", "unsubscribe", "number hata", "naam hata", "list se hata", "mujhe hata", "list se nikal", "mujhe nikal",
        "band kar do", "band kar dijiye", "band kardo", "rok do", "rok dijiye", "rok dein", "bhejna band", "bhejna rok",
        "bhejna bandh", "message band", "messages band", "band karwa", "unsub", "stop karo", "stop kar do", "stop kijiye",
        "stop karein", "stop kar dijiye", "stop kare", "stop kariye", "stop it", "please stop", "stop please", "stop now",
        "stop yaar", "stop ab", "ab stop", "stop all", "number hatao", "number hata", "list se hatao", "mujhe hatao",
        "naam hatao", "hatao list", "hata dijiye", "remove karo", "remove kar do", "remove kijiye", "delete karo",
    ];

    private static readonly HashSet<string> s_fillers = new(StringComparer.Ordinal)
    {
        "sir", "ji", "yaar", "bhai", "bhaiya", "please", "now", "it", "all", "ab", "abhi", "madam", "mam", "karo", "kar", "do", "jaldi",
        "immediately", "right", "away", "pls", "message", "messages", "this", "these",
    };

    private static readonly string[] s_startPhrases =
    [
        "shuru", "chalu", "start", "resume", "subscribe", "resubscribe", "wapas", "phir se bhejo", "send again",
    ];

    private static readonly string[] s_keepPhrases =
    [
        "dont stop", "do not stop", "not stop", "never stop", "band mat", "band na", "band nahi karna", "stop mat", "stop na",
        "mat roko", "na roko", "dont unsubscribe", "do not unsubscribe", "mat band", "band mt",
    ];

    private static readonly string[] s_ambiguousPhrases =
    [
        "nahi chahiye", "dont want", "do not want", "dont need", "no need", "bas karo", "bas kijiye", "enough", "spam",
        "pareshan", "irritate", "irritating", "annoying", "block", "report", "too many messages", "bahut message", "bahut messages",
        "dont send", "do not send", "dont message", "stop sending", "mat bhejo", "mat bhejna", "mat bhejiye", "na bhejo", "na bhejein", "na bheje", "nahi bhejna", "band", "rok",
        "roko", "hata do", "stop", "unsubscribe",
    ];

    private static readonly string[] s_questionWords = ["how", "kaise", "kese", "kaisey", "kya main", "kya mai", "can i", "is it possible", "where", "what happens"];

    public static StopSignal Check(string canonical)
    {
        if (canonical.Length == 0)
        {
            return StopSignal.None;
        }

        var tokens = TextTools.Tokens(canonical);
        var padded = " " + canonical + " ";
        if (s_keepPhrases.Any(p => Has(padded, p)))
        {
            return StopSignal.KeepGoing;
        }

        var mentionsStop = s_ambiguousPhrases.Any(p => Has(padded, p)) || s_stopPhrases.Any(p => Has(padded, p)) || tokens.Any(IsUnsubscribe);
        if (!mentionsStop)
        {
            return StopSignal.None;
        }

        // "galti se stop kiya tha, phir se shuru karo": a stop in the past, and a request to start again.
        if (tokens.Any(t => t is "kiya" or "diya" or "stopped" or "accidentally" or "galti" or "galat") && s_startPhrases.Any(p => Has(padded, p)))
        {
            return StopSignal.None;
        }

        if (IsQuestion(canonical, padded))
        {
            return StopSignal.Question;
        }

        // An investment being stopped ("SIP band kar du?", "stop loss kya hai", "market band hua") is not about our messages.
        if (tokens.Any(s_investmentWords.Contains) && !tokens.Any(t => t is "message" or "messages" or "unsubscribe"))
        {
            return StopSignal.None;
        }

        var bandIndex = Array.FindIndex(tokens, t => t is "band" or "rok" or "roko");
        if (bandIndex >= 0 && bandIndex + 1 < tokens.Length && s_closedVerbs.Contains(tokens[bandIndex + 1]))
        {
            return StopSignal.None;
        }

        if (tokens.Any(IsUnsubscribe))
        {
            return StopSignal.Stop;
        }

        // "STOP STOP", "stop sir", "band band band": the command and polite words only.
        if (tokens.Length <= 4 && tokens.Any(t => t is "stop" or "band") && tokens.All(t => t is "stop" or "band" or "roko" || s_fillers.Contains(t)))
        {
            return StopSignal.Stop;
        }

        if (s_stopPhrases.Any(p => Has(padded, p)))
        {
            return StopSignal.Stop;
        }

        // "band karo", "messages band", "rok do": the verb, or the thing, next to it.
        if (bandIndex >= 0)
        {
            var after = bandIndex + 1 < tokens.Length ? tokens[bandIndex + 1] : null;
            var before = bandIndex > 0 ? tokens[bandIndex - 1] : null;
            if (after is null || s_doVerbs.Contains(after) || (before is not null && s_messageWords.Contains(before)) || tokens[bandIndex] == "roko")
            {
                // "photo band karo" may mean "only the photos": ask.
                return tokens.Any(s_contentNouns.Contains) ? StopSignal.Ambiguous : StopSignal.Stop;
            }
        }

        // "mat bhejo", "nahi chahiye ab", "messages nahi chahiye": a refusal of the messages themselves.
        var refusal = tokens.Select((t, i) => (t, i)).Any(x => s_negations.Contains(x.t)
            && ((x.i + 1 < tokens.Length && (s_sendVerbs.Contains(tokens[x.i + 1]) || tokens[x.i + 1] is "chahiye" or "want" or "need"))
                || (x.i + 2 < tokens.Length && tokens[x.i + 1] is "want" or "need" && s_messageWords.Contains(tokens[x.i + 2]))));
        if (refusal)
        {
            // Only some images, or only today: ask. The messages themselves, or "anymore", or a short "mujhe mat bhejo": stop.
            if (tokens.Any(s_contentNouns.Contains) || tokens.Any(t => t is "aaj" or "today" or "kal" or "tomorrow" or "sirf" or "only"))
            {
                return StopSignal.Ambiguous;
            }

            var aboutMessages = tokens.Any(t => t is "message" or "messages" or "ab" or "anymore" or "kabhi" or "roz" or "daily" or "whatsapp");
            var shortSendRefusal = tokens.Length <= 4 && tokens.Any(s_sendVerbs.Contains);
            return aboutMessages || shortSendRefusal ? StopSignal.Stop : StopSignal.Ambiguous;
        }

        // "stop" alone in a sentence, "block kar dunga", "bas karo", "spam": ask.
        return StopSignal.Ambiguous;
    }

    // "unsubcribe", "unsubscibe" but not "subscribe" or "resubscribe", which are two edits away.
    private static bool IsUnsubscribe(string token) =>
        token.StartsWith("un", StringComparison.Ordinal) && TextTools.FuzzyEquals(token, "unsubscribe");

    private static bool IsQuestion(string canonical, string padded) =>
        s_questionWords.Any(q => Has(padded, q)) && !Has(padded, "aap") && !Has(padded, "can you") && !Has(padded, "could you")
        || canonical.StartsWith("what is", StringComparison.Ordinal) || canonical.StartsWith("why", StringComparison.Ordinal)
        || Has(padded, "kyun") || Has(padded, "kyu");

    private static bool Has(string padded, string phrase) => padded.Contains(" " + phrase + " ", StringComparison.Ordinal);
}

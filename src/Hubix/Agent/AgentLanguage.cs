namespace Hubix.Agent;

/// <summary>
/// The languages the agent understands and answers in. The codes are stored on conversation turns and
/// compared with <c>Advisor.Language</c>, whose values are WhatsApp template language codes (<c>en</c>, <c>hi</c>).
/// </summary>
public static class AgentLanguages
{
    /// <summary>English.</summary>
    public const string English = "en";

    /// <summary>Hindi in Devanagari script (also mixed-script messages that are mostly Devanagari).</summary>
    public const string Hindi = "hi";

    /// <summary>Hinglish: Hindi written in Latin letters, usually mixed with English words (BCP 47: Hindi in Latin script).</summary>
    public const string Hinglish = "hi-Latn";

    public static readonly IReadOnlyList<string> All = [English, Hindi, Hinglish];

    /// <summary>
    /// The reply language for an advisor's stored language (<c>Advisor.Language</c>): <c>hi</c>, <c>hi_IN</c>, <c>hi-IN</c>
    /// → Hindi; <c>hi-Latn</c>/<c>hinglish</c> → Hinglish; anything else → null (unknown, the caller falls back to English).
    /// </summary>
    public static string? FromAdvisorLanguage(string? language)
    {
        var l = (language ?? "").Trim().ToLowerInvariant().Replace('_', '-');
        return l switch
        {
            "hi-latn" or "hinglish" or "hi-en" => Hinglish,
            "hi" or "hi-in" or "hi-deva" => Hindi,
            "en" or "en-us" or "en-gb" or "en-in" => English,
            _ => null,
        };
    }
}

/// <summary>The language of a message and whether the message itself said so (see <see cref="LanguageDetector"/>).</summary>
/// <param name="Lang">One of <see cref="AgentLanguages"/>.</param>
/// <param name="Neutral">
/// True when the message has no language of its own ("STOP", "ok", "👍", "hi"): the caller may use the advisor's
/// language instead.
/// </param>
public sealed record DetectedLanguage(string Lang, bool Neutral);

/// <summary>
/// Tells English, Hindi (Devanagari) and Hinglish apart: the script first (any real share of Devanagari letters is
/// Hindi), then, for Latin text, the share of words found in a Hinglish lexicon of function words and common verbs.
/// </summary>
/// <remarks>
/// A character n-gram language model would need a Hinglish corpus we do not have; advisors' messages are short and
/// Hinglish is recognisable by a small closed set of words (hai, nahi, karo, kya, mujhe, chahiye...), which also keeps
/// the decision explainable. Words that are also English ("to", "me", "do", "hi") are not in the lexicon.
/// </remarks>
public static class LanguageDetector
{
    private static readonly HashSet<string> s_hinglish = new(StringComparer.Ordinal)
    {
        "hai", "hain", "h", "nahi", "nahin", "nhi", "nai", "karo", "kro", "kar", "kr", "kardo", "krdo", "kariye", "kijiye", "kijie",
        "dijiye", "dijie", "karein", "karen", "kare", "karna", "krna", "karni", "kya", "kyaa", "kia", "kaise", "kese", "kab", "kahan",
        "kaha", "kitna", "kitne", "kitni", "mujhe", "muje", "mjhe", "mujhko", "mera", "meri", "mere", "aaj", "aj", "kal", "ka", "ki",
        "ke", "ko", "ye", "yeh", "woh", "wo", "sab", "sb", "sabhi", "bhejo", "bhej", "bhejna", "bhejiye", "bhejdo", "bejo", "chahiye",
        "chahie", "chaiye", "band", "bandh", "roko", "rok", "mat", "mt", "shuru", "chalu", "phir", "fir", "wapas", "vapas", "dobara",
        "baat", "hua", "hui", "gaya", "gayi", "raha", "rahi", "rahe", "namaste", "namaskar", "dhanyavad", "dhanyawad", "dhanyavaad",
        "shukriya", "ji", "yaar", "yar", "bhai", "bhaiya", "accha", "acha", "achha", "theek", "thik", "haan", "ha", "madad", "batao",
        "bataiye", "bataye", "abhi", "ab", "aur", "lekin", "bhi", "bazaar", "bazar", "kaunsa", "konsa", "kaun", "kon", "kharidna",
        "kharidu", "bechna", "lena", "dena", "dedo", "de", "se", "mein", "mai", "hoga", "hogi", "tha", "thi", "gira", "chadha",
        "upar", "neeche", "niche", "jaldi", "kuch", "kuchh", "koi", "kisi", "insaan", "insan", "wala", "wali", "kripya", "paisa",
        "paise", "samay", "baje", "roz", "rozana", "apna", "apne", "hum", "hume", "humein", "aap", "aapka", "aapki", "tum", "tumhara",
        "mila", "mili", "aaya", "aayi", "aata", "aati", "hoti", "hota", "krna", "bata", "bolo", "pata", "chahta", "chahti", "karwao",
        "karao", "milega", "milegi", "bataen", "sakte", "sakta", "sakti", "liye", "kyun", "kyu", "kyon", "matlab", "bilkul", "zaroor",
        "jaroor", "dijie", "hatao", "hata", "ram", "dikhao", "dikha", "wapis", "dubara", "suru", "chaalu", "nahii",
    };

    // Words with no language of their own: a message made only of these takes the advisor's language.
    private static readonly HashSet<string> s_neutral = new(StringComparer.Ordinal)
    {
        "stop", "start", "ok", "okay", "k", "hi", "hii", "hello", "hey", "help", "menu", "unsubscribe", "subscribe", "info",
        "sir", "madam", "mam", "pls", "please", "plz", "yes", "no", "stopall", "unstop", "resume", "cancel", "quit", "end",
        "thanks", "thx", "ty", "update", "images", "image", "photos", "photo", "posts", "post", "content", "pack", "gm",
    };

    public static DetectedLanguage Detect(string text)
    {
        int deva = 0, letters = 0;
        foreach (var ch in text)
        {
            if (char.IsLetter(ch) || char.GetUnicodeCategory(ch) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark)
            {
                letters++;
                deva += ch is >= '\u0900' and <= '\u097F' ? 1 : 0;
            }
        }

        if (letters == 0)
        {
            return new DetectedLanguage(AgentLanguages.English, true);
        }

        // "stop करो", "मुझे unsubscribe करें": a Devanagari word or two makes it a Hindi message.
        if (deva * 4 >= letters)
        {
            return new DetectedLanguage(AgentLanguages.Hindi, false);
        }

        var tokens = TextTools.Tokens(TextTools.Normalize(text)).Where(t => t.Any(char.IsLetter)).ToArray();
        if (tokens.Length == 0)
        {
            return new DetectedLanguage(AgentLanguages.English, true);
        }

        var hinglish = tokens.Count(s_hinglish.Contains);
        if (hinglish >= 2 || (hinglish == 1 && tokens.Length <= 4) || hinglish * 4 >= tokens.Length)
        {
            return new DetectedLanguage(AgentLanguages.Hinglish, false);
        }

        return new DetectedLanguage(AgentLanguages.English, tokens.All(s_neutral.Contains));
    }

    /// <summary>The language to answer in: the message's, unless it has none and the advisor's is known.</summary>
    public static string ReplyLanguage(DetectedLanguage detected, string? advisorLanguage) =>
        detected.Neutral && AgentLanguages.FromAdvisorLanguage(advisorLanguage) is { } preferred ? preferred : detected.Lang;
}

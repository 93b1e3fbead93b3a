using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Hubix.Agent;

/// <summary>Small text helpers shared by the lexical rules, retrieval and answer composition.</summary>
internal static partial class TextTools
{
    /// <summary>Lower-case, apostrophes removed, punctuation to spaces, Devanagari (letters and vowel signs) kept.</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text.Normalize(NormalizationForm.FormC))
        {
            if (ch is '\'' or '’' or '‘' or '`')
            {
                continue;
            }

            var cat = char.GetUnicodeCategory(ch);
            var keep = char.IsLetterOrDigit(ch)
                || cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            sb.Append(keep ? char.ToLowerInvariant(ch) : ' ');
        }

        return string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Drops the "Market update 24 Nov 2026:" lead-in that every update starts with.</summary>
    public static string StripUpdatePrefix(string text) => UpdatePrefix().Replace(text, "");

    [GeneratedRegex(@"^Market update [^:]{0,40}:\s*")]
    private static partial Regex UpdatePrefix();

    /// <summary>True when most letters are Devanagari (the English embedding model cannot read them).</summary>
    public static bool MostlyDevanagari(string text)
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

        return letters > 0 && deva * 2 > letters;
    }

    public static string[] Tokens(string normalized) =>
        normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Splits prose into sentences without breaking "26,041.20" or "Rs 1.5 lakh".</summary>
    public static IEnumerable<string> Sentences(string text) =>
        SentenceBreak().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z""“(])")]
    private static partial Regex SentenceBreak();

    /// <summary>Figures in a text: digit runs with separators ("26,041.20" → "26041.20", "0.55%" → "0.55").</summary>
    public static IEnumerable<string> Figures(string text) =>
        Figure().Matches(text).Select(m => m.Value.Replace(",", "", StringComparison.Ordinal).TrimEnd('.'));

    [GeneratedRegex(@"\d[\d,]*(?:\.\d+)?")]
    private static partial Regex Figure();

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped.</summary>
    public static int Distance(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max)
        {
            return max + 1;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var rowMin = int.MaxValue;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    v = Math.Min(v, d[i - 2, j - 2] + 1);
                }

                d[i, j] = v;
                rowMin = Math.Min(rowMin, v);
            }

            if (rowMin > max)
            {
                return max + 1;
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>
    /// Typo-tolerant word match: exact under 4 letters; a swapped pair at 4; one edit from 5; two from 8.
    /// Digits must match exactly.
    /// </summary>
    public static bool FuzzyEquals(string word, string target)
    {
        if (string.Equals(word, target, StringComparison.Ordinal))
        {
            return true;
        }

        if (target.Length < 4 || word.Length < 4 || word.Any(char.IsDigit))
        {
            return false;
        }

        if (target.Length == 4)
        {
            return word.Length == 4 && Distance(word, target, 1) == 1 && word.Order().SequenceEqual(target.Order());
        }

        return Distance(word, target, target.Length >= 8 ? 2 : 1) <= (target.Length >= 8 ? 2 : 1);
    }

    private static readonly HashSet<string> s_stop = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "was", "were", "be", "to", "of", "in", "on", "at", "for", "and", "or",
        "what", "whats", "how", "did", "do", "does", "i", "me", "my", "you", "your", "it", "this", "that",
        "please", "pls", "plz", "can", "could", "would", "will", "tell", "about", "with", "by", "from",
        "kya", "hai", "ka", "ki", "ke", "ko", "se", "me", "mein", "tha", "thi", "hua", "kitna", "kaisa", "raha",
        "now", "so", "much", "many", "any", "there", "we", "our", "us", "s", "sir", "ji", "where", "when", "which",
        "who", "why", "has", "have", "had", "yesterday", "today", "aaj", "kal", "kahan", "kab",
        // Hinglish function words (Hindi questions arrive romanised, see Transliteration).
        "par", "pe", "kitne", "kitni", "hain", "ye", "yeh", "wo", "kaise", "rahi", "rahe", "gaya", "gayi", "abhi", "batao",
        "bataiye", "aur", "bhi", "ab", "na", "nahi", "tak", "wala", "wali", "aapka", "aapki", "mera", "meri", "hota", "hoti",
        // Every daily update is about a close: these words cannot tell updates apart, only mislead toward the one
        // that happens to say "closed".
        "close", "closed", "closing", "ended", "end", "band", "level", "levels", "points", "hua",
    };

    // Word families folded together so "closed", "ended" and "band hua" all match "close".
    private static readonly Dictionary<string, string> s_synonyms = new(StringComparer.Ordinal)
    {
        ["fell"] = "fall", ["falls"] = "fall", ["fallen"] = "fall", ["dropped"] = "fall", ["drop"] = "fall", ["slipped"] = "fall",
        ["gira"] = "fall", ["lost"] = "fall", ["down"] = "fall", ["neeche"] = "fall", ["weakened"] = "fall",
        ["rose"] = "rise", ["rises"] = "rise", ["gained"] = "rise", ["gain"] = "rise", ["jumped"] = "rise", ["climbed"] = "rise",
        ["chadha"] = "rise", ["upar"] = "rise", ["up"] = "rise", ["recovered"] = "rise", ["strengthened"] = "rise",
        ["bond"] = "yield", ["gsec"] = "yield", ["bazaar"] = "market", ["bazar"] = "market", ["markets"] = "market",
        ["निफ्टी"] = "nifty", ["सेंसेक्स"] = "sensex", ["बाजार"] = "market", ["बाज़ार"] = "market", ["मार्केट"] = "market",
        ["रुपया"] = "rupee", ["सोना"] = "gold", ["fii"] = "foreign", ["fiis"] = "foreign", ["dii"] = "domestic", ["diis"] = "domestic", ["inr"] = "rupee",
    };

    /// <summary>Content words for lexical overlap (lower-case, no stop words, light plural folding).</summary>
    public static IEnumerable<string> ContentWords(string text)
    {
        foreach (var t in Tokens(Normalize(text)))
        {
            if (s_stop.Contains(t))
            {
                continue;
            }

            yield return s_synonyms.TryGetValue(t, out var family) ? family : Stem(t);
        }
    }

    public static string Stem(string t) =>
        t.Length > 4 && t.EndsWith('s') && !t.EndsWith("ss", StringComparison.Ordinal) ? t[..^1] : t;
}

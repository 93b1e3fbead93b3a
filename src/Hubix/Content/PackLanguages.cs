namespace Hubix.Content;

/// <summary>Which of a pack's language variants an advisor gets: the language chosen and whether it is a fallback.</summary>
/// <param name="Language">The items sent are those with no <c>lang</c> and those in this language.</param>
/// <param name="Fallback">The advisor's language had no items in the pack: they got <see cref="Language"/> instead.</param>
public sealed record PackLanguageChoice(string Language, bool Fallback);

/// <summary>
/// Language variants of a pack's items (ADR-010). An item with <c>lang</c> is for advisors of that language; an item
/// without one is for everyone (an image, a chart, a text that is the same in every language). An advisor gets the items
/// of their own language; else, for a regional form like <c>hi-Latn</c>, those of its base language (<c>hi</c>); else
/// those of the default language (<c>Hubix:Content:DefaultLanguage</c>). Anything but their own language is recorded as a
/// fallback, so a pack with no items for Hindi counts as a fallback for a Hindi-speaking advisor even when all its items
/// carry no <c>lang</c>: their text is, in practice, the default language's.
/// </summary>
public static class PackLanguages
{
    public const int MaxLength = 16;

    /// <summary>A BCP 47-like tag: 2-3 letters, then optional subtags of 2-8 letters or digits (<c>hi</c>, <c>hi-Latn</c>, <c>en-IN</c>).</summary>
    public static bool IsValidTag(string? tag)
    {
        if (string.IsNullOrEmpty(tag) || tag.Length > MaxLength)
        {
            return false;
        }

        var parts = tag.Split('-');
        return parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
    }

    /// <summary>The tag's usual spelling: language lower case, script title case, region upper case (<c>HI-latn</c> → <c>hi-Latn</c>).</summary>
    public static string Normalize(string tag)
    {
        var parts = tag.Trim().Split('-');
        parts[0] = parts[0].ToLowerInvariant();
        for (var i = 1; i < parts.Length; i++)
        {
            parts[i] = parts[i].Length switch
            {
                4 => char.ToUpperInvariant(parts[i][0]) + parts[i][1..].ToLowerInvariant(),
                2 => parts[i].ToUpperInvariant(),
                _ => parts[i].ToLowerInvariant(),
            };
        }

        return string.Join('-', parts);
    }

    public static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The variant for an advisor, from the languages the pack's items carry (null for an item for everyone).</summary>
    public static PackLanguageChoice Choose(IEnumerable<string?> itemLanguages, string? advisorLanguage, string defaultLanguage)
    {
        var advisor = (advisorLanguage ?? "").Trim();
        if (advisor.Length == 0 || Same(advisor, defaultLanguage))
        {
            return new PackLanguageChoice(defaultLanguage, false);
        }

        var present = itemLanguages.OfType<string>().ToList();
        if (present.FirstOrDefault(l => Same(l, advisor)) is { } own)
        {
            return new PackLanguageChoice(own, false);
        }

        var dash = advisor.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && present.FirstOrDefault(l => Same(l, advisor[..dash])) is { } baseLanguage)
        {
            return new PackLanguageChoice(baseLanguage, true);
        }

        return new PackLanguageChoice(defaultLanguage, true);
    }

    /// <summary>Whether an item goes to advisors who get <paramref name="chosen"/>: it is for everyone, or in that language.</summary>
    public static bool Includes(string? itemLanguage, string chosen) => itemLanguage is null || Same(itemLanguage, chosen);
}

using System.Globalization;
using System.Text;

namespace Hubix.DailyPack;

public enum TextCommandKind
{
    Stop,
    Start,
    Unlock,
}

/// <summary>A recognised command; <see cref="Scope"/> is set for <see cref="TextCommandKind.Unlock"/>.</summary>
public sealed record TextCommand(TextCommandKind Kind, string? Scope = null);

/// <summary>
/// The few texts Hubix itself acts on: STOP/UNSUBSCRIBE (and Hindi बंद करो / रोको / band karo), START, and the
/// unlock triggers. Matching is exact after trimming, case folding and collapsing spaces, so "stop the SIP
/// reminders" is not STOP: every other text is left to the assistant.
/// </summary>
public static class TextCommands
{
    private static readonly Dictionary<string, TextCommand> Known = new(StringComparer.Ordinal)
    {
        ["stop"] = new(TextCommandKind.Stop),
        ["unsubscribe"] = new(TextCommandKind.Stop),
        ["बंद करो"] = new(TextCommandKind.Stop),
        ["बंद करें"] = new(TextCommandKind.Stop),
        ["रोको"] = new(TextCommandKind.Stop),
        ["band karo"] = new(TextCommandKind.Stop),
        ["start"] = new(TextCommandKind.Start),
        ["unlock"] = new(TextCommandKind.Unlock, UnlockScopes.All),
        ["content"] = new(TextCommandKind.Unlock, UnlockScopes.All),
        ["retrieve"] = new(TextCommandKind.Unlock, UnlockScopes.All),
        ["aaj ka content"] = new(TextCommandKind.Unlock, UnlockScopes.All),
        ["images"] = new(TextCommandKind.Unlock, UnlockScopes.Images),
        ["photo bhejo"] = new(TextCommandKind.Unlock, UnlockScopes.Images),
        ["posts"] = new(TextCommandKind.Unlock, UnlockScopes.Posts),
        ["updates"] = new(TextCommandKind.Unlock, UnlockScopes.Updates),
        ["market updates"] = new(TextCommandKind.Unlock, UnlockScopes.Updates),
    };

    /// <summary>The command this text is, or null: then it is not ours and must not be answered here.</summary>
    public static TextCommand? Recognize(string? text)
    {
        var key = Normalise(text);
        return key is null ? null : Known.GetValueOrDefault(key);
    }

    /// <summary>Trim, lower-case (invariant), collapse whitespace, drop trailing punctuation like "!" or "."; null when empty.</summary>
    internal static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            return null;
        }

        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Normalize(NormalizationForm.FormC).Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && sb.Length > 0)
            {
                sb.Append(' ');
            }

            space = false;
            sb.Append(char.ToLower(c, CultureInfo.InvariantCulture));
        }

        return sb.ToString().TrimEnd('.', '!', '?', '।');
    }
}

/// <summary>What a button or trigger delivers, and the quick-reply payload prefixes that ask for it.</summary>
public static class UnlockScopes
{
    public const string All = "all";
    public const string Images = "images";
    public const string Posts = "posts";
    public const string Updates = "updates";

    /// <summary>Template button payload prefix → scope.</summary>
    public static readonly IReadOnlyDictionary<string, string> Prefixes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["RETRIEVE_CONTENT"] = All,
        ["UNLOCK_IMAGES"] = Images,
        ["UNLOCK_CONTENT"] = Posts,
        ["UNLOCK_UPDATES"] = Updates,
    };

    /// <summary>Whether an item of this kind belongs to the scope. Documents travel with market updates.</summary>
    public static bool Includes(string scope, string kind) => scope switch
    {
        All => true,
        Images => kind == Content.ItemKinds.Image,
        Posts => kind == Content.ItemKinds.Post,
        Updates => kind is Content.ItemKinds.Update or Content.ItemKinds.Document,
        _ => false,
    };

    /// <summary>A payload we put on a button: <c>PREFIX:YYYY-MM-DD[:packId]</c> (well under 256 characters).</summary>
    public static string Payload(string prefix, DateOnly date, long? packId) =>
        packId is { } id
            ? string.Create(CultureInfo.InvariantCulture, $"{prefix}:{date:yyyy-MM-dd}:{id}")
            : string.Create(CultureInfo.InvariantCulture, $"{prefix}:{date:yyyy-MM-dd}");

    /// <summary>Reads one of our payloads; false for anything else (another feature's button, a label).</summary>
    public static bool TryParsePayload(string? payload, out string scope, out DateOnly? date, out long? packId)
    {
        scope = All;
        date = null;
        packId = null;
        if (string.IsNullOrEmpty(payload) || payload.Length > 256)
        {
            return false;
        }

        var parts = payload.Split(':');
        if (!Prefixes.TryGetValue(parts[0], out var s) || parts.Length > 3)
        {
            return false;
        }

        scope = s;
        if (parts.Length >= 2)
        {
            if (!DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return false;
            }

            date = d;
        }

        if (parts.Length == 3)
        {
            if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return false;
            }

            packId = id;
        }

        return true;
    }
}

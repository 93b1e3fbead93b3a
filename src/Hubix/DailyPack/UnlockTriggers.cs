using System.Globalization;

namespace Hubix.DailyPack;

/// <summary>
/// The texts that ask for (part of) today's pack: "unlock", "images", "aaj ka content"... Matching is exact after
/// <see cref="CommandText.Normalise"/>. The consent keywords (STOP, START) are the Advisors feature's
/// (<see cref="Advisors.ConsentKeywords"/>).
/// </summary>
public static class UnlockTriggers
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        ["unlock"] = UnlockScopes.All,
        ["content"] = UnlockScopes.All,
        ["retrieve"] = UnlockScopes.All,
        ["aaj ka content"] = UnlockScopes.All,
        ["images"] = UnlockScopes.Images,
        ["photo bhejo"] = UnlockScopes.Images,
        ["posts"] = UnlockScopes.Posts,
        ["updates"] = UnlockScopes.Updates,
        ["market updates"] = UnlockScopes.Updates,
    };

    /// <summary>The unlock scope this text asks for, or null: then it is not an unlock trigger.</summary>
    public static string? Recognize(string? text)
    {
        var key = CommandText.Normalise(text);
        return key is null ? null : Known.GetValueOrDefault(key);
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

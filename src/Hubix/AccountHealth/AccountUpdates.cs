using System.Globalization;
using System.Text.Json;

namespace Hubix.AccountHealth;

/// <summary>Template identity as the two sources spell it: the API says <c>en_US</c>, webhooks <c>en-US</c>.</summary>
public static class TemplateKey
{
    public static string Language(string? language) => (language ?? "").Trim().Replace('-', '_').ToLowerInvariant();

    public static string Subject(string name, string language) => name + "/" + Language(language);
}

/// <summary>An account-health webhook, read into what we act on (shapes: Meta's webhook references, one per field).</summary>
public abstract record AccountUpdate;

/// <summary><c>message_template_status_update</c>.</summary>
public sealed record TemplateStatusUpdate(string Name, string Language, string? TemplateId, string Event, string? Reason) : AccountUpdate;

/// <summary>
/// <c>template_category_update</c>: completed (<c>previous_category</c> → <c>new_category</c>) or impending
/// (<c>correct_category</c> from <c>category_update_timestamp</c>; <c>new_category</c> is then the current one).
/// </summary>
public sealed record TemplateCategoryUpdate(
    string Name, string Language, string? TemplateId, string? PreviousCategory, string? NewCategory, string? CorrectCategory, DateTime? EffectiveAt) : AccountUpdate
{
    public bool IsImpending => CorrectCategory is not null;
}

/// <summary><c>message_template_quality_update</c>.</summary>
public sealed record TemplateQualityUpdate(string Name, string Language, string? TemplateId, string? Previous, string New) : AccountUpdate;

/// <summary><c>phone_number_quality_update</c>: the event and the messaging limit (<c>max_daily_conversations_per_business</c>, else <c>current_limit</c>).</summary>
public sealed record PhoneQualityUpdate(string? DisplayPhone, string Event, string? Limit, string? OldLimit) : AccountUpdate;

/// <summary><c>account_update</c>: the event (ACCOUNT_RESTRICTION, ACCOUNT_VIOLATION, DISABLED_UPDATE, VERIFIED_ACCOUNT ...).</summary>
public sealed record AccountStatusUpdate(string Event, string? Phone, string? Detail) : AccountUpdate;

public static class AccountUpdates
{
    /// <summary>The webhook fields this feature acts on (and <c>hubix meta subscribe</c> asks to tick, with messages and user_preferences).</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["message_template_status_update", "template_category_update", "message_template_quality_update", "phone_number_quality_update", "account_update"];

    public static bool Handles(string field) => Fields.Contains(field, StringComparer.Ordinal);

    /// <summary>Reads one change's <c>value</c>; null and a reason when its shape is not one we know (it goes to the dead letters).</summary>
    public static (AccountUpdate? Update, string? Problem) Read(string field, string valueJson)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(valueJson);
        }
        catch (JsonException ex)
        {
            return (null, "value is not JSON: " + ex.Message);
        }

        using (doc)
        {
            var v = doc.RootElement;
            if (v.ValueKind != JsonValueKind.Object)
            {
                return (null, "value is not an object");
            }

            var name = Str(v, "message_template_name");
            var language = Str(v, "message_template_language");
            var id = Str(v, "message_template_id");
            switch (field)
            {
                case "message_template_status_update":
                    return name is null || language is null || Str(v, "event") is not { } ev
                        ? (null, "expected message_template_name, message_template_language and event")
                        : (new TemplateStatusUpdate(name, TemplateKey.Language(language), id, ev.ToUpperInvariant(), Str(v, "reason")), null);
                case "template_category_update":
                    var correct = Str(v, "correct_category");
                    var newCategory = Str(v, "new_category");
                    if (name is null || language is null || (newCategory is null && correct is null))
                    {
                        return (null, "expected message_template_name, message_template_language and new_category or correct_category");
                    }

                    DateTime? at = Long(v, "category_update_timestamp") is { } ts ? DateTimeOffset.FromUnixTimeSeconds(ts).UtcDateTime : null;
                    return (new TemplateCategoryUpdate(name, TemplateKey.Language(language), id, Upper(Str(v, "previous_category")), Upper(newCategory), Upper(correct), at), null);
                case "message_template_quality_update":
                    return name is null || language is null || Str(v, "new_quality_score") is not { } q
                        ? (null, "expected message_template_name, message_template_language and new_quality_score")
                        : (new TemplateQualityUpdate(name, TemplateKey.Language(language), id, Upper(Str(v, "previous_quality_score")), q.ToUpperInvariant()), null);
                case "phone_number_quality_update":
                    return Str(v, "event") is not { } pe
                        ? (null, "expected event")
                        : (new PhoneQualityUpdate(Str(v, "display_phone_number"), pe.ToUpperInvariant(),
                            Upper(Str(v, "max_daily_conversations_per_business") ?? Str(v, "current_limit")), Upper(Str(v, "old_limit"))), null);
                case "account_update":
                    return Str(v, "event") is not { } ae
                        ? (null, "expected event")
                        : (new AccountStatusUpdate(ae.ToUpperInvariant(), Str(v, "phone_number"), Detail(v)), null);
                default:
                    return (null, "not an account-health field");
            }
        }
    }

    /// <summary>TIER_250 → 250, TIER_2K → 2000, TIER_UNLIMITED → -1; null when unknown or not set yet.</summary>
    public static int? LimitOf(string? tier)
    {
        if (string.IsNullOrEmpty(tier))
        {
            return null;
        }

        var t = tier.ToUpperInvariant();
        if (t == "TIER_UNLIMITED")
        {
            return -1;
        }

        if (!t.StartsWith("TIER_", StringComparison.Ordinal))
        {
            return null;
        }

        var n = t[5..];
        var multiplier = n.EndsWith('K') ? 1000 : 1;
        return int.TryParse(multiplier == 1 ? n : n[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value * multiplier : null;
    }

    /// <summary>GREEN 3, YELLOW 2, RED 1, anything else 0: a drop is a lower number.</summary>
    public static int QualityRank(string? quality) => quality?.ToUpperInvariant() switch
    {
        "GREEN" or "HIGH" => 3,
        "YELLOW" or "MEDIUM" => 2,
        "RED" or "LOW" => 1,
        _ => 0,
    };

    private static string? Detail(JsonElement v)
    {
        foreach (var key in new[] { "violation_info", "restriction_info", "ban_info", "disable_info" })
        {
            if (v.TryGetProperty(key, out var d))
            {
                var text = d.GetRawText();
                return key + ": " + (text.Length > 300 ? text[..300] : text);
            }
        }

        return null;
    }

    private static string? Upper(string? s) => s?.ToUpperInvariant();

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.Number ? v.TryGetInt64(out var n)
            : v.ValueKind == JsonValueKind.String & long.TryParse(v.ValueKind == JsonValueKind.String ? v.GetString() : null, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            ? n : null;
}

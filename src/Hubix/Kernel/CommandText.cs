using System.Globalization;
using System.Text;

namespace Hubix.Kernel;

/// <summary>
/// How a typed command is compared: the consent keywords (Advisors) and the unlock triggers (DailyPack) match exactly
/// after this, so "stop the SIP reminders" is not STOP and every other text is left to the assistant.
/// </summary>
public static class CommandText
{
    /// <summary>Trim, lower-case (invariant), collapse whitespace, drop trailing punctuation like "!" or "."; null when empty.</summary>
    public static string? Normalise(string? text)
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

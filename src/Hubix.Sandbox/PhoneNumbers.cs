namespace Hubix.Sandbox;

/// <summary>Turns "+1 (650) 555-1234" into the wa_id "16505551234".</summary>
internal static class PhoneNumbers
{
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 40) return null;
        Span<char> digits = stackalloc char[input.Length];
        var n = 0;
        foreach (var c in input)
        {
            if (c is >= '0' and <= '9') digits[n++] = c;
            else if (c is not ('+' or ' ' or '-' or '(' or ')' or '.')) return null;
        }
        return n is >= 5 and <= 20 ? new string(digits[..n]) : null;
    }
}

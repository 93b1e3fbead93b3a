using System.Security.Cryptography;

namespace Hubix.WhatsApp.Webhooks;

/// <summary>
/// Meta's <c>X-Hub-Signature-256</c>: <c>sha256=</c> + hex HMAC-SHA256 of the exact raw body bytes, keyed
/// with the app secret. The hash is always taken over the bytes as received, never re-serialized JSON.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    /// <summary>Builds the header value for a body, the way Meta signs (lower-case hex).</summary>
    public static string Sign(ReadOnlySpan<byte> body, ReadOnlySpan<byte> appSecret)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(appSecret, body, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// True when <paramref name="header"/> is a well-formed <c>sha256=</c> signature of <paramref name="body"/>.
    /// Hex is accepted in either case; the comparison of the MAC bytes is constant-time.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> body, string? header, ReadOnlySpan<byte> appSecret)
    {
        if (string.IsNullOrEmpty(header) || appSecret.IsEmpty)
        {
            return false;
        }

        var value = header.AsSpan().Trim();
        if (!value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hex = value[Prefix.Length..];
        if (hex.Length != 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(appSecret, body, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Hubix.Kernel;

internal static class Secrets
{
    /// <summary>Constant-time comparison of two secrets (tokens, keys), so timing tells nothing about them.</summary>
    public static bool FixedTimeEquals(string? given, string? expected)
    {
        if (string.IsNullOrEmpty(given) || string.IsNullOrEmpty(expected))
        {
            return false;
        }

        // Hash both first so the comparison takes the same time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}

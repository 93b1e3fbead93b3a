using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hubix.Sandbox;

/// <summary>Ids shaped like Meta's: <c>wamid.</c> + base64, numeric media ids, fbtrace ids.</summary>
internal static class Ids
{
    private static long _sequence = RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private static long _media = 1_000_000_000_000_000 + RandomNumberGenerator.GetInt32(0, int.MaxValue);
    private const string TraceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>A unique wamid that, like Meta's, carries the other party's number inside the base64.</summary>
    public static string NewWamid(string waId)
    {
        var seq = Interlocked.Increment(ref _sequence);
        Span<byte> buffer = stackalloc byte[64];
        var n = Encoding.ASCII.GetBytes("HBgL", buffer);
        n += Encoding.ASCII.GetBytes(waId.AsSpan(0, Math.Min(waId.Length, 20)), buffer[n..]);
        buffer[n++] = 0x15;
        buffer[n++] = 0x02;
        BinaryPrimitives.WriteInt64BigEndian(buffer[n..], seq);
        n += 8;
        RandomNumberGenerator.Fill(buffer.Slice(n, 6));
        n += 6;
        return "wamid." + Convert.ToBase64String(buffer[..n]);
    }

    public static string NewMediaId() => Interlocked.Increment(ref _media).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string NewFbTraceId() => RandomNumberGenerator.GetString(TraceAlphabet, 23);

    public static string NewHex(int chars) => RandomNumberGenerator.GetHexString(chars, lowercase: true);
}

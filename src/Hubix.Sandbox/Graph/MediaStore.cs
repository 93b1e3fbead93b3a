using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Graph;

/// <summary>An uploaded (or phone-sent) file.</summary>
internal sealed record MediaItem(string Id, string MimeType, byte[] Bytes, string Sha256, string? Filename);

/// <summary>
/// Media by id. Download URLs look like Meta's lookaside ones
/// (<c>/whatsapp_business/attachments/?mid=…&amp;ext=…&amp;hash=…</c>), expire after MediaUrlLifetime and need the bearer.
/// </summary>
internal sealed class MediaStore(IOptions<SandboxOptions> options, TimeProvider time)
{
    public const string DownloadPath = "/whatsapp_business/attachments/";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private ConcurrentDictionary<string, MediaItem> _items = new(StringComparer.Ordinal);

    public MediaItem Add(string mimeType, byte[] bytes, string? filename)
    {
        var item = new MediaItem(Ids.NewMediaId(), mimeType, bytes, Convert.ToBase64String(SHA256.HashData(bytes)), filename);
        _items[item.Id] = item;
        return item;
    }

    public MediaItem? Find(string id) => _items.TryGetValue(id, out var m) ? m : null;

    public bool Delete(string id) => _items.TryRemove(id, out _);

    public void Reset() => _items = new(StringComparer.Ordinal);

    /// <summary>A signed URL valid for MediaUrlLifetime.</summary>
    public string UrlFor(MediaItem item, string origin)
    {
        var ext = (time.GetUtcNow() + options.Value.MediaUrlLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{origin}{DownloadPath}?mid={item.Id}&ext={ext}&hash={Sign(item.Id, ext)}";
    }

    /// <summary>The item behind a download URL, or null when the URL is forged, expired or the media is gone.</summary>
    public MediaItem? Resolve(string? mid, string? ext, string? hash)
    {
        if (mid is null || ext is null || hash is null) return null;
        if (!long.TryParse(ext, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return null;
        if (time.GetUtcNow().ToUnixTimeSeconds() > expires) return null;
        var expected = Encoding.ASCII.GetBytes(Sign(mid, ext));
        var given = Encoding.ASCII.GetBytes(hash);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? Find(mid) : null;
    }

    private string Sign(string id, string ext) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(id + ":" + ext)))[..32];
}

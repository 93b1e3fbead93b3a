using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Hubix.Content;

/// <summary>
/// A pack sent as a zip archive: <c>pack.json</c> at the root or inside one top folder, and the files it names beside it.
/// The archive is read in memory and checked as untrusted input before anything is decompressed: a bounded number of
/// entries, names without <c>..</c>, absolute paths or backslashes, no name twice. Only <c>pack.json</c> and the files it
/// names are decompressed, each through a counting read that stops at <see cref="ContentOptions.ZipMaxEntryBytes"/> and at
/// <see cref="ContentOptions.ZipMaxTotalBytes"/> in all, whatever sizes the archive claims (a zip bomb is refused after the
/// limit's worth of bytes, not after inflating it), and each checked against its CRC-32 (an entry whose header understates
/// its size would otherwise be read cut short, as if whole). The pack itself is checked by <see cref="PackImport.ValidateAsync"/>, the
/// same check as the CLI's folder import and the JSON and multipart API, so they cannot disagree.
/// </summary>
public static class PackZip
{
    public const string PackFileName = "pack.json";

    /// <summary>Reads and validates the pack; throws <see cref="PackValidationException"/> naming the entry and the reason.</summary>
    public static async Task<ValidPack> ValidateAsync(Stream archive, ContentOptions limits, CancellationToken ct)
    {
        var bytes = await ReadArchiveAsync(archive, limits.ZipMaxTotalBytes, ct);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new PackValidationException([$"zip: is not a zip archive ({ex.Message})"]);
        }

        using (zip)
        {
            var entries = CheckEntries(zip, limits.ZipMaxEntries);
            var (folder, packEntry) = FindPack(entries);
            var reader = new LimitedReader(limits);
            var json = Encoding.UTF8.GetString(await reader.ReadAsync(packEntry, ct)).TrimStart('\uFEFF');
            var doc = PackImport.ParseJson(json, $"zip entry '{packEntry.FullName}'");
            // A top folder named for a date is the pack's date, as in the CLI's DIR/YYYY-MM-DD/pack.json.
            DateOnly? folderDate = DateOnly.TryParseExact(folder.TrimEnd('/'), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
            try
            {
                return await PackImport.ValidateAsync(doc, folderDate, async (name, c) =>
                    entries.TryGetValue(folder + name, out var entry) ? new PackFile(await reader.ReadAsync(entry, c), null) : null, ct);
            }
            catch (PackValidationException ex)
            {
                throw new PackValidationException(ex.Problems.Select(p => p.StartsWith("zip ", StringComparison.Ordinal) ? p : $"zip entry '{packEntry.FullName}': {p}").ToList());
            }
        }
    }

    /// <summary>The archive's bytes, at most <paramref name="max"/> of them (ZipArchive needs a seekable stream).</summary>
    private static async Task<byte[]> ReadArchiveAsync(Stream archive, long max, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await archive.ReadAsync(buffer, ct)) > 0)
        {
            if (ms.Length + n > max)
            {
                throw new PackValidationException([string.Create(CultureInfo.InvariantCulture, $"zip: the archive is larger than {max} bytes (Hubix:Content:ZipMaxTotalBytes)")]);
            }

            await ms.WriteAsync(buffer.AsMemory(0, n), ct);
        }

        return ms.ToArray();
    }

    /// <summary>Every entry's name checked (all problems at once), by name; folders left out.</summary>
    private static Dictionary<string, ZipArchiveEntry> CheckEntries(ZipArchive zip, int maxEntries)
    {
        IReadOnlyCollection<ZipArchiveEntry> all;
        try
        {
            all = zip.Entries;
        }
        catch (InvalidDataException ex)
        {
            throw new PackValidationException([$"zip: its list of entries cannot be read ({ex.Message})"]);
        }

        if (all.Count > maxEntries)
        {
            throw new PackValidationException([string.Create(CultureInfo.InvariantCulture, $"zip: has {all.Count} entries; at most {maxEntries} are allowed (Hubix:Content:ZipMaxEntries)")]);
        }

        var problems = new List<string>();
        var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in all)
        {
            var name = entry.FullName;
            if (NameProblem(name) is { } why)
            {
                problems.Add($"zip entry '{Printable(name)}': {why}");
            }
            else if (!name.EndsWith('/') && !byName.TryAdd(name, entry))
            {
                problems.Add($"zip entry '{name}': appears more than once");
            }
        }

        if (problems.Count > 0)
        {
            throw new PackValidationException(problems);
        }

        return byName;
    }

    /// <summary>Why an entry's name is refused, or null: only relative names inside the archive, with '/' between folders.</summary>
    internal static string? NameProblem(string name)
    {
        if (name.Length == 0 || name.Length > 400)
        {
            return "the name is empty or longer than 400 characters";
        }

        if (name.Any(char.IsControl))
        {
            return "the name has control characters";
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            return "backslashes are not allowed in names (folders are separated by '/')";
        }

        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':'))
        {
            return "absolute paths are not allowed";
        }

        var parts = name.TrimEnd('/').Split('/');
        if (parts.Any(p => p == ".."))
        {
            return "'..' is not allowed in names";
        }

        return parts.Any(p => p is "" or ".") ? "empty or '.' folder names are not allowed" : null;
    }

    /// <summary><c>pack.json</c> at the root, else inside exactly one top folder: that folder ("" or "name/") and the entry.</summary>
    private static (string Folder, ZipArchiveEntry Entry) FindPack(Dictionary<string, ZipArchiveEntry> entries)
    {
        if (entries.TryGetValue(PackFileName, out var root))
        {
            return ("", root);
        }

        var nested = entries.Where(e => e.Key.EndsWith("/" + PackFileName, StringComparison.Ordinal) && e.Key.Count(c => c == '/') == 1)
            .OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        return nested.Count switch
        {
            1 => (nested[0].Key[..(nested[0].Key.Length - PackFileName.Length)], nested[0].Value),
            0 => throw new PackValidationException(["zip: no pack.json at the root or inside one top folder"]),
            _ => throw new PackValidationException([$"zip: pack.json in {nested.Count} folders ({string.Join(", ", nested.Select(e => e.Key))}); a zip holds one pack"]),
        };
    }

    private static string Printable(string name) => new(name.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

    /// <summary>Decompresses entries through a count, never past the limits; a file named twice is read once.</summary>
    private sealed class LimitedReader(ContentOptions limits)
    {
        private readonly Dictionary<string, byte[]> _read = new(StringComparer.Ordinal);
        private long _total;

        public async Task<byte[]> ReadAsync(ZipArchiveEntry entry, CancellationToken ct)
        {
            if (_read.TryGetValue(entry.FullName, out var done))
            {
                return done;
            }

            using var ms = new MemoryStream();
            try
            {
                await using var stream = await entry.OpenAsync(ct);
                var buffer = new byte[81920];
                int n;
                while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                {
                    if (ms.Length + n > limits.ZipMaxEntryBytes)
                    {
                        throw new PackValidationException([string.Create(CultureInfo.InvariantCulture,
                            $"zip entry '{entry.FullName}': decompresses to more than {limits.ZipMaxEntryBytes} bytes (Hubix:Content:ZipMaxEntryBytes)")]);
                    }

                    if (_total + ms.Length + n > limits.ZipMaxTotalBytes)
                    {
                        throw new PackValidationException([string.Create(CultureInfo.InvariantCulture,
                            $"zip entry '{entry.FullName}': the files decompress to more than {limits.ZipMaxTotalBytes} bytes in all (Hubix:Content:ZipMaxTotalBytes)")]);
                    }

                    await ms.WriteAsync(buffer.AsMemory(0, n), ct);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
            {
                throw new PackValidationException([$"zip entry '{entry.FullName}': cannot be read ({ex.Message})"]);
            }

            // The decompressor stops at the size the archive claims, so a lying header would hand back a truncated file as
            // if whole: the entry's CRC-32 tells a true size and content from a false one.
            var bytes = ms.ToArray();
            if (System.IO.Hashing.Crc32.HashToUInt32(bytes) != entry.Crc32)
            {
                throw new PackValidationException([$"zip entry '{entry.FullName}': its content does not match its checksum (the archive is damaged or misstates the entry's size)"]);
            }

            _total += bytes.Length;
            return _read[entry.FullName] = bytes;
        }
    }
}

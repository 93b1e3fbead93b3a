using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hubix.Content;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.ContentStudio;

/// <summary>
/// A pack sent as a zip (<c>POST /api/packs</c>, as the studio's "Import folder or zip" sends it), over real Kestrel:
/// it imports the same pack as the CLI's folder import and the studio's folder (multipart) upload; a hostile or broken
/// archive is a 400 naming the entry and the reason, and nothing is stored.
/// </summary>
public class PackZipImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string FixtureFolder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "content", "2026-11-24");
    private static readonly DateOnly FixtureDate = new(2026, 11, 24);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_zip_imports_the_same_pack_as_the_cli_folder_and_the_studio_folder_upload(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        var packJson = await File.ReadAllBytesAsync(Path.Combine(FixtureFolder, "pack.json"), Ct);
        var png = await File.ReadAllBytesAsync(Path.Combine(FixtureFolder, "nifty.png"), Ct);

        // v1: the CLI's folder import (DIR/YYYY-MM-DD/pack.json).
        var dir = Directory.CreateTempSubdirectory("hubix-pack-");
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(dir.FullName, "2026-11-24"));
            File.Copy(Path.Combine(FixtureFolder, "pack.json"), Path.Combine(folder.FullName, "pack.json"));
            File.Copy(Path.Combine(FixtureFolder, "nifty.png"), Path.Combine(folder.FullName, "nifty.png"));
            await PackImport.ImportDirectoryAsync(host.Db, dir.FullName, DateTime.UtcNow, Ct);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // v2: a zip body with the pack inside one top folder (as "Compress" makes it from the folder).
        var v2 = await PostZipAsync(host.Admin, Zip(("2026-11-24/", null), ("2026-11-24/pack.json", packJson), ("2026-11-24/nifty.png", png)));
        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
        var imported = await v2.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, imported.GetProperty("version").GetInt32());
        Assert.True(imported.GetProperty("replaced").GetBoolean());

        // v3: the studio's folder upload, a multipart 'pack' field with the files under their names.
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent(packJson), "pack");
            form.Add(new ByteArrayContent(png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "files", "nifty.png");
            Assert.Equal(HttpStatusCode.OK, (await host.Admin.PostAsync("/api/packs", form, Ct)).StatusCode);
        }

        // v4: the zip as a multipart file field 'zip', pack.json at the archive's root.
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent(Zip(("pack.json", packJson), ("nifty.png", png))) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } }, "zip", "pack.zip");
            var v4 = await host.Admin.PostAsync("/api/packs", form, Ct);
            Assert.Equal(HttpStatusCode.OK, v4.StatusCode);
        }

        await using var ctx = host.Db.CreateDbContext();
        var pack = await ctx.Set<ContentPack>().AsNoTracking().SingleAsync(Ct);
        Assert.Equal((FixtureDate, "market", 4), (pack.Date, pack.Category, pack.Version));
        var items = await ctx.Set<ContentItem>().AsNoTracking().Where(i => i.PackId == pack.Id).OrderBy(i => i.Version).ThenBy(i => i.Position)
            .Select(i => new { i.Version, i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url, i.Lang, i.MediaId }).ToListAsync(Ct);
        var byVersion = items.GroupBy(i => i.Version).ToDictionary(g => g.Key, g => g.Select(i => (i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url, i.Lang, i.MediaId)).ToList());
        Assert.Equal(4, byVersion[1].Count);
        Assert.Equal(byVersion[1], byVersion[2]);
        Assert.Equal(byVersion[1], byVersion[3]);
        Assert.Equal(byVersion[1], byVersion[4]);
        Assert.Equal(1, await ctx.Set<MediaFile>().CountAsync(Ct)); // the same bytes, stored once
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_hostile_or_broken_zip_is_a_400_naming_the_entry_and_the_reason_and_nothing_is_stored(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        // A pack on the same date and category already: a bad zip must neither replace it nor add a version.
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PostAsJsonAsync("/api/packs",
            new { date = "2026-11-24", category = "market", description = "Before", items = new[] { new { kind = "post", text = "Kept" } } }, Ct)).StatusCode);
        var before = await SnapshotAsync(host);

        var png = await File.ReadAllBytesAsync(Path.Combine(FixtureFolder, "nifty.png"), Ct);
        var pack = PackJson(("image", "nifty.png"));
        var zeros = new byte[40 * 1024 * 1024]; // deflates to ~40 KB
        var cases = new (string Name, byte[] Body, string[] Expected)[]
        {
            ("traversal", Zip(("pack.json", PackJson(("image", "../nifty.png"))), ("../nifty.png", png)), ["zip entry '../nifty.png'", "'..' is not allowed"]),
            ("absolute path", Zip(("pack.json", pack), ("nifty.png", png), ("/etc/cron.d/x", [1])), ["zip entry '/etc/cron.d/x'", "absolute paths are not allowed"]),
            ("backslash", Zip(("pack.json", pack), ("nifty.png", png), ("sub\\x.png", png)), ["zip entry 'sub\\x.png'", "backslashes are not allowed"]),
            ("twice", Zip(("pack.json", pack), ("nifty.png", png), ("nifty.png", png)), ["zip entry 'nifty.png'", "more than once"]),
            ("bomb", Zip(("pack.json", pack), ("nifty.png", zeros)), ["zip entry 'nifty.png'", "decompresses to more than 16777216 bytes"]),
            // The reader stops at the size the header claims: the CRC-32 catches the cut-short file.
            ("bomb with a lying header", LieAboutSizes(Zip(("pack.json", pack), ("nifty.png", zeros)), "nifty.png", 1000),
                ["zip entry 'nifty.png'", "does not match its checksum"]),
            ("too much in all", Zip([("pack.json", PackJson([.. Enumerable.Range(1, 5).Select(i => ("document", $"d{i}.pdf"))])),
                .. Enumerable.Range(1, 5).Select(i => ($"d{i}.pdf", (byte[]?)new byte[15 * 1024 * 1024]))]),
                ["zip entry 'd5.pdf'", "more than 67108864 bytes in all"]),
            ("too many entries", Zip([("pack.json", pack), ("nifty.png", png), .. Enumerable.Range(0, 199).Select(i => ($"extra/{i}.txt", (byte[]?)[1]))]),
                ["zip: has 201 entries; at most 200"]),
            ("missing file", Zip(("pack.json", PackJson(("image", "nifty.png"), ("document", "notes.pdf"))), ("nifty.png", png)),
                ["zip entry 'pack.json'", "items[1].file: 'notes.pdf' was not found"]),
            ("no pack.json", Zip(("a/b/pack.json", pack), ("nifty.png", png)), ["no pack.json at the root or inside one top folder"]),
            ("two packs", Zip(("a/pack.json", pack), ("b/pack.json", pack)), ["pack.json in 2 folders"]),
            ("bad json", Zip(("pack.json", "{not json"u8.ToArray())), ["zip entry 'pack.json'", "is not valid JSON"]),
            ("not a zip", Encoding.UTF8.GetBytes("PK this is not an archive at all"), ["zip: is not a zip archive"]),
        };

        foreach (var (name, body, expected) in cases)
        {
            var response = await PostZipAsync(host.Admin, body);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal("Pack not valid", problem.GetProperty("title").GetString());
            var detail = problem.GetProperty("detail").GetString()!;
            foreach (var part in expected)
            {
                Assert.True(detail.Contains(part, StringComparison.Ordinal), $"{name}: '{detail}' should contain '{part}'");
            }

            Assert.True(before.SequenceEqual(await SnapshotAsync(host)), name + ": the database changed");
        }
    }

    [Theory]
    [InlineData(1, 16L * 1024 * 1024, 64L * 1024 * 1024, "Hubix:Content:ZipMaxEntries")]
    [InlineData(200, 100L, 64L * 1024 * 1024, "Hubix:Content:ZipMaxEntryBytes")]
    [InlineData(200, 16L * 1024 * 1024, 1024L * 1024, "Hubix:Content:ZipMaxTotalBytes")]
    public void Zip_limits_out_of_range_are_named_at_startup(int entries, long entryBytes, long totalBytes, string named)
    {
        Assert.Empty(new ContentOptions().Problems());
        var problems = new ContentOptions { ZipMaxEntries = entries, ZipMaxEntryBytes = entryBytes, ZipMaxTotalBytes = totalBytes }.Problems().ToList();
        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> PostZipAsync(HttpClient client, byte[] zip)
    {
        using var content = new ByteArrayContent(zip) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
        return await client.PostAsync("/api/packs", content, Ct);
    }

    private static async Task<List<string>> SnapshotAsync(HubixTestHost host)
    {
        await using var ctx = host.Db.CreateDbContext();
        var packs = await ctx.Set<ContentPack>().AsNoTracking().OrderBy(p => p.Id).Select(p => $"{p.Id} {p.Date} {p.Category} v{p.Version} {p.Description} {p.UpdatedAt:O}").ToListAsync(Ct);
        var items = await ctx.Set<ContentItem>().AsNoTracking().OrderBy(i => i.Id).Select(i => $"{i.Id} {i.PackId} v{i.Version} {i.Text}").ToListAsync(Ct);
        return [.. packs, .. items, "media " + await ctx.Set<MediaFile>().CountAsync(Ct)];
    }

    private static byte[] PackJson(params (string Kind, string File)[] items) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        date = "2026-11-24",
        category = "market",
        description = "After",
        items = items.Select(i => new { kind = i.Kind, file = i.File }).ToArray(),
    });

    /// <summary>A zip of the entries in order (null bytes: a folder entry), names exactly as given.</summary>
    internal static byte[] Zip(params (string Name, byte[]? Bytes)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                if (bytes is not null)
                {
                    using var s = entry.Open();
                    s.Write(bytes);
                }
            }
        }

        return ms.ToArray();
    }

    /// <summary>Rewrites an entry's uncompressed size in its local header and in the central directory (as a crafted bomb does).</summary>
    private static byte[] LieAboutSizes(byte[] zip, string name, uint claimed)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var patched = 0;
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var sig = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (sig == 0x04034b50 && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), claimed);
                patched++;
            }
            else if (sig == 0x02014b50 && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), claimed);
                patched++;
            }
        }

        Assert.Equal(2, patched);
        return zip;
    }
}

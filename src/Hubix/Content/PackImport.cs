using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Content;

/// <summary><c>pack.json</c>, as written by people: <c>{"date","category","description","items":[...]}</c>.</summary>
public sealed class PackDocument
{
    public string? Date { get; set; }
    public string? Category { get; set; }
    public string? Description { get; set; }
    public List<PackItemDocument>? Items { get; set; }
}

public sealed class PackItemDocument
{
    public string? Kind { get; set; }
    public string? File { get; set; }
    public string? Url { get; set; }
    public string? Caption { get; set; }
    public string? Text { get; set; }
    public string? Filename { get; set; }

    /// <summary>The language this item is for (<c>hi</c>, <c>en</c>, <c>hi-Latn</c>); absent: for every advisor (<see cref="PackLanguages"/>).</summary>
    public string? Lang { get; set; }
}

/// <summary>A bad pack: which field, and why.</summary>
public sealed class PackValidationException(IReadOnlyList<string> problems)
    : Exception("The pack is not valid: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>A media file that a pack refers to by name, as read from a folder or a multipart upload.</summary>
public sealed record PackFile(byte[] Bytes, string? MimeType);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(PackDocument))]
internal sealed partial class PackJsonContext : JsonSerializerContext;

/// <summary>
/// Validates a pack document and stores it: re-importing the same date and category replaces its items (the
/// pack keeps its id, so unlock history stays attached). Media bytes go into <see cref="MediaFile"/>, deduplicated
/// by hash. Nothing is written when anything is wrong.
/// </summary>
public static class PackImport
{
    public const int MaxImageBytes = 5 * 1024 * 1024;
    public const int MaxDocumentBytes = 16 * 1024 * 1024;
    public const int MaxCaption = 1024;
    public const int MaxText = 4096;

    public static PackDocument ParseJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PackJsonContext.Default.PackDocument)
                ?? throw new PackValidationException([$"{source}: is empty (null)"]);
        }
        catch (JsonException ex)
        {
            throw new PackValidationException([$"{source}: is not valid JSON ({ex.Message})"]);
        }
    }

    public static string? MimeFromName(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".pdf" => "application/pdf",
        ".txt" => "text/plain",
        ".doc" => "application/msword",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xls" => "application/vnd.ms-excel",
        ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".ppt" => "application/vnd.ms-powerpoint",
        ".pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => null,
    };

    /// <summary>Checks everything and resolves files; throws <see cref="PackValidationException"/> listing every problem.</summary>
    public static async Task<ValidPack> ValidateAsync(
        PackDocument doc, DateOnly? expectedDate, Func<string, CancellationToken, Task<PackFile?>> openFile, CancellationToken ct)
    {
        var problems = new List<string>();
        var date = CheckDate(doc.Date, expectedDate, problems);
        var (category, description) = CheckHeader(doc, problems);
        if (doc.Items is null || doc.Items.Count == 0)
        {
            problems.Add("items: at least one item is required");
        }

        var items = new List<ValidItem>();
        for (var i = 0; i < (doc.Items?.Count ?? 0); i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"items[{i}]");
            if (await CheckItemAsync(doc.Items![i], at, openFile, problems, ct) is { } valid)
            {
                items.Add(valid);
            }
        }

        if (problems.Count > 0)
        {
            throw new PackValidationException(problems);
        }

        return new ValidPack(date, category, description, items);
    }

    /// <summary>The pack's date: given as YYYY-MM-DD, or its folder's; when both, they must agree.</summary>
    private static DateOnly CheckDate(string? given, DateOnly? expectedDate, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(given))
        {
            if (expectedDate is { } d)
            {
                return d;
            }

            problems.Add("date: is required (YYYY-MM-DD)");
            return default;
        }

        if (!DateOnly.TryParseExact(given.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            problems.Add($"date: '{given}' is not a date in the form YYYY-MM-DD");
        }
        else if (expectedDate is { } folder && folder != date)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"date: '{given}' does not match its folder {folder:yyyy-MM-dd}"));
        }

        return date;
    }

    private static (string Category, string Description) CheckHeader(PackDocument doc, List<string> problems)
    {
        var category = (doc.Category ?? "").Trim().ToLowerInvariant();
        if (category.Length > 64 || !category.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
        {
            problems.Add($"category: '{doc.Category}' must be up to 64 letters, digits, '-' or '_'");
        }

        var description = (doc.Description ?? "").Trim();
        if (description.Length > 1024)
        {
            problems.Add("description: is longer than 1024 characters");
        }

        return (category, description);
    }

    /// <summary>One item: a post or update is text within WhatsApp's limit; an image or document is one file or one link.</summary>
    private static async Task<ValidItem?> CheckItemAsync(
        PackItemDocument? item, string at, Func<string, CancellationToken, Task<PackFile?>> openFile, List<string> problems, CancellationToken ct)
    {
        if (item is null)
        {
            problems.Add(at + ": is null");
            return null;
        }

        var kind = (item.Kind ?? "").Trim().ToLowerInvariant();
        if (!ItemKinds.All.Contains(kind))
        {
            problems.Add($"{at}.kind: '{item.Kind}' is not one of image, post, update, document");
            return null;
        }

        string? lang = null;
        if (item.Lang is not null)
        {
            if (PackLanguages.IsValidTag(item.Lang.Trim()))
            {
                lang = PackLanguages.Normalize(item.Lang);
            }
            else
            {
                problems.Add($"{at}.lang: '{item.Lang}' is not a language code (e.g. hi, en, hi-Latn); leave it out for an item for every language");
            }
        }

        return await CheckKindAsync(item, kind, at, openFile, problems, ct) is { } valid ? valid with { Lang = lang } : null;
    }

    private static async Task<ValidItem?> CheckKindAsync(
        PackItemDocument item, string kind, string at, Func<string, CancellationToken, Task<PackFile?>> openFile, List<string> problems, CancellationToken ct)
    {
        if (kind is ItemKinds.Post or ItemKinds.Update)
        {
            return CheckText(item, kind, at, problems);
        }

        if (item.Caption is { Length: > MaxCaption })
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}.caption: is {item.Caption.Length} characters; WhatsApp allows {MaxCaption}"));
        }

        if ((item.File is null) == (item.Url is null))
        {
            problems.Add($"{at}: give exactly one of file or url");
            return null;
        }

        if (item.Url is not null)
        {
            if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || item.Url.Length > 2000)
            {
                problems.Add($"{at}.url: '{item.Url}' is not an absolute http(s) URL");
                return null;
            }

            return new ValidItem(kind, null, item.Caption, item.Filename, item.Url, null);
        }

        return await CheckFileAsync(item, kind, at, openFile, problems, ct);
    }

    private static ValidItem CheckText(PackItemDocument item, string kind, string at, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(item.Text))
        {
            problems.Add($"{at}.text: is required for a {kind}");
        }
        else if (item.Text.Length > MaxText)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}.text: is {item.Text.Length} characters; WhatsApp allows {MaxText}"));
        }

        if (item.File is not null || item.Url is not null)
        {
            problems.Add($"{at}: a {kind} is text only; remove file/url");
        }

        return new ValidItem(kind, item.Text, null, null, null, null);
    }

    /// <summary>A file inside the pack's folder, of a type and size WhatsApp takes for the item's kind.</summary>
    private static async Task<ValidItem?> CheckFileAsync(
        PackItemDocument item, string kind, string at, Func<string, CancellationToken, Task<PackFile?>> openFile, List<string> problems, CancellationToken ct)
    {
        var file = item.File!.Trim();
        if (file.Length == 0 || Path.IsPathRooted(file) || file.Split('/', '\\').Any(p => p is ".." or "") || file.Length > 240)
        {
            problems.Add($"{at}.file: '{item.File}' must be a file name inside the pack's folder");
            return null;
        }

        var loaded = await openFile(file, ct);
        if (loaded is null)
        {
            problems.Add($"{at}.file: '{file}' was not found");
            return null;
        }

        var mime = MimeFromName(file) ?? loaded.MimeType;
        if (kind == ItemKinds.Image && mime is not ("image/png" or "image/jpeg"))
        {
            problems.Add($"{at}.file: '{file}' is not a PNG or JPEG image (WhatsApp images are JPEG or PNG)");
            return null;
        }

        if (kind == ItemKinds.Document && mime is null)
        {
            problems.Add($"{at}.file: '{file}' has no known document type (pdf, txt, doc(x), xls(x), ppt(x))");
            return null;
        }

        var max = kind == ItemKinds.Image ? MaxImageBytes : MaxDocumentBytes;
        if (loaded.Bytes.Length == 0 || loaded.Bytes.Length > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}.file: '{file}' is {loaded.Bytes.Length} bytes; allowed 1..{max}"));
            return null;
        }

        var filename = item.Filename ?? (kind == ItemKinds.Document ? Path.GetFileName(file) : null);
        return new ValidItem(kind, null, item.Caption, filename, null, new ValidMedia(Path.GetFileName(file), mime!, loaded.Bytes));
    }

    /// <summary>
    /// Stores a valid pack under its date and category, with its audit entry, in one transaction. A new pack is version 1;
    /// re-importing a pack whose newest version is approved makes the next version (approved items never change, so the
    /// record of what was sent stays true); re-importing a draft replaces the draft's items. Without
    /// <paramref name="requireApproval"/> the stored version is approved at once (by <paramref name="actor"/>).
    /// </summary>
    public static async Task<StoredPack> StoreAsync(
        HubixDb db, ValidPack pack, DateTime now, CancellationToken ct, string actor = "cli", bool requireApproval = false)
    {
        await using var context = db.CreateDbContext();
        await context.Database.OpenConnectionAsync(ct);
        var existing = await context.Set<ContentPack>().SingleOrDefaultAsync(p => p.Date == pack.Date && p.Category == pack.Category, ct);
        var replaced = existing is not null;
        if (existing is null)
        {
            existing = new ContentPack { Date = pack.Date, Category = pack.Category, CreatedAt = now, Version = 1 };
            context.Add(existing);
        }
        else if (existing.ApprovedVersion == existing.Version)
        {
            existing.Version++;
        }
        else
        {
            var draft = await context.Set<ContentItem>().Where(i => i.PackId == existing.Id && i.Version == existing.Version).ToListAsync(ct);
            context.RemoveRange(draft);
        }

        existing.Description = pack.Description;
        existing.UpdatedAt = now;
        existing.CreatedBy = actor;
        if (!requireApproval)
        {
            existing.ApprovedVersion = existing.Version;
            existing.ApprovedDescription = pack.Description;
            existing.ApprovedBy = actor;
            existing.ApprovedAt = now;
        }

        var media = new List<MediaFile>();
        var byHash = new Dictionary<string, MediaFile>(StringComparer.Ordinal);
        for (var i = 0; i < pack.Items.Count; i++)
        {
            var v = pack.Items[i];
            MediaFile? file = null;
            if (v.Media is { } m)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(m.Bytes));
                if (!byHash.TryGetValue(hash, out file))
                {
                    file = await context.Set<MediaFile>().SingleOrDefaultAsync(f => f.Sha256 == hash, ct);
                    if (file is null)
                    {
                        file = new MediaFile { Sha256 = hash, MimeType = m.MimeType, FileName = m.FileName, Bytes = m.Bytes, CreatedAt = now };
                        context.Add(file);
                    }

                    byHash[hash] = file;
                    media.Add(file);
                }
            }

            existing.Items.Add(new ContentItem
            {
                Version = existing.Version,
                Position = i,
                Kind = v.Kind,
                Lang = v.Lang,
                Text = v.Text,
                Caption = v.Caption,
                FileName = v.FileName,
                Url = v.Url,
                Media = file,
            });
        }

        using (await db.EnterWriteAsync(ct))
        {
            await using var tx = await context.Database.BeginTransactionAsync(ct);
            await context.SaveChangesAsync(ct);
            // The pack's id is known now: its history row and its audit entry commit with it.
            await RecordVersionAsync(context, existing, pack, actor, now, ct);
            new Operators.AuditNote(actor, Operators.AuditActions.PackImport, PackTarget(existing.Id),
                string.Create(CultureInfo.InvariantCulture, $"{existing.Date:yyyy-MM-dd} '{existing.Category}' v{existing.Version}, {pack.Items.Count} item(s), {existing.State}"))
                .Add(context, now);
            await context.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        return new StoredPack(existing.Id, media.Select(f => f.Id).ToList(), replaced, existing.Version, existing.State);
    }

    /// <summary>The stored version's history row: a new version's, or the replaced draft's (its saver and time now the last save's).</summary>
    private static async Task RecordVersionAsync(HubixDbContext context, ContentPack pack, ValidPack valid, string actor, DateTime now, CancellationToken ct)
    {
        var row = await context.Set<ContentPackVersion>().SingleOrDefaultAsync(v => v.PackId == pack.Id && v.Version == pack.Version, ct);
        if (row is null)
        {
            row = new ContentPackVersion { PackId = pack.Id, Version = pack.Version };
            context.Add(row);
        }

        row.Description = valid.Description;
        row.CreatedBy = actor;
        row.CreatedAt = now;
        row.Items = valid.Items.Count;
        row.ApprovedBy = pack.ApprovedVersion == pack.Version ? pack.ApprovedBy : null;
        row.ApprovedAt = pack.ApprovedVersion == pack.Version ? pack.ApprovedAt : null;
    }

    /// <summary>The audit trail's name for a pack.</summary>
    public static string PackTarget(long id) => string.Create(CultureInfo.InvariantCulture, $"pack:{id}");

    /// <summary>Imports every <c>DIR/YYYY-MM-DD/pack.json</c>; validates all first, then stores. Dates can be shifted (demo).</summary>
    public static async Task<IReadOnlyList<(string Folder, long PackId, IReadOnlyList<long> MediaIds)>> ImportDirectoryAsync(
        HubixDb db, string dir, DateTime now, CancellationToken ct, int shiftDays = 0, string actor = "cli", bool requireApproval = false)
    {
        if (!Directory.Exists(dir))
        {
            throw new PackValidationException([$"{dir}: folder not found"]);
        }

        var folders = Directory.GetDirectories(dir)
            .Where(f => DateOnly.TryParseExact(Path.GetFileName(f), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                && File.Exists(Path.Combine(f, "pack.json")))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (folders.Count == 0)
        {
            throw new PackValidationException([$"{dir}: no YYYY-MM-DD/pack.json found"]);
        }

        var valid = new List<(string Folder, ValidPack Pack)>();
        var problems = new List<string>();
        foreach (var folder in folders)
        {
            var name = Path.GetFileName(folder);
            var folderDate = DateOnly.ParseExact(name, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            try
            {
                var doc = ParseJson(await File.ReadAllTextAsync(Path.Combine(folder, "pack.json"), ct), name + "/pack.json");
                var pack = await ValidateAsync(doc, folderDate, async (file, c) =>
                {
                    var path = Path.Combine(folder, file);
                    return File.Exists(path) ? new PackFile(await File.ReadAllBytesAsync(path, c), null) : null;
                }, ct);
                valid.Add((name, pack with { Date = pack.Date.AddDays(shiftDays) }));
            }
            catch (PackValidationException ex)
            {
                problems.AddRange(ex.Problems.Select(p => p.StartsWith(name, StringComparison.Ordinal) ? p : name + "/pack.json: " + p));
            }
        }

        if (problems.Count > 0)
        {
            throw new PackValidationException(problems);
        }

        var stored = new List<(string, long, IReadOnlyList<long>)>();
        foreach (var (folder, pack) in valid)
        {
            var done = await StoreAsync(db, pack, now, ct, actor, requireApproval);
            stored.Add((folder, done.PackId, done.MediaIds));
        }

        return stored;
    }
}

public sealed record ValidMedia(string FileName, string MimeType, byte[] Bytes);

/// <param name="Lang">The language the item is for, normalised (<c>hi-Latn</c>); null for every language.</param>
public sealed record ValidItem(string Kind, string? Text, string? Caption, string? FileName, string? Url, ValidMedia? Media, string? Lang = null);

/// <summary>What <see cref="PackImport.StoreAsync"/> stored: the pack, the media it uses, and the version and its state.</summary>
public sealed record StoredPack(long PackId, IReadOnlyList<long> MediaIds, bool Replaced, int Version, string State);

public sealed record ValidPack(DateOnly Date, string Category, string Description, IReadOnlyList<ValidItem> Items);

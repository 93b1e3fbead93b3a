using System.Globalization;
using Hubix.Data;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Content;

/// <summary>
/// Uploads stored media to the Cloud API and remembers the ids. Never called from an inbox handler: it runs at
/// import time, before the daily send, and from the scheduler's tick, so a tap finds the ids ready.
/// </summary>
public sealed class MediaUploader(HubixDb db, IServiceProvider services, IOptions<ContentOptions> options, TimeProvider time, ILogger<MediaUploader> logger)
{
    /// <summary>Uploads those of the files that have no fresh id; returns how many now have one. Never throws for Graph errors.</summary>
    public async Task<int> EnsureUploadedAsync(IReadOnlyCollection<long> mediaIds, CancellationToken ct)
    {
        if (mediaIds.Count == 0)
        {
            return 0;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var freshAfter = now - options.Value.MediaIdLifetime;
        var retryAfter = now - options.Value.UploadRetry;
        await using var context = db.CreateDbContext();
        var ids = mediaIds.Distinct().ToList();
        var files = await context.Set<MediaFile>().Where(f => ids.Contains(f.Id)).ToListAsync(ct);
        var ready = 0;
        WhatsAppCloudClient? client = null;
        foreach (var file in files)
        {
            if (file.CloudMediaId is not null && file.UploadedAt > freshAfter)
            {
                ready++;
                continue;
            }

            if (file.LastUploadAttemptAt > retryAfter && file.LastUploadError is not null)
            {
                continue;
            }

            client ??= services.GetRequiredService<WhatsAppCloudClient>();
            file.LastUploadAttemptAt = now;
            try
            {
                using var stream = new MemoryStream(file.Bytes, writable: false);
                var result = await client.UploadMediaAsync(stream, file.FileName, file.MimeType, ct);
                if (result.IsSuccess)
                {
                    file.CloudMediaId = result.Value;
                    file.UploadedAt = now;
                    file.LastUploadError = null;
                    ready++;
                }
                else
                {
                    file.LastUploadError = Truncate($"{result.Error!.Code}: {result.Error.Message}");
                    logger.LogWarning("Upload of media {MediaId} ({FileName}) failed: {Error}", file.Id, file.FileName, file.LastUploadError);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                file.LastUploadError = Truncate(ex.GetType().Name + ": " + ex.Message);
                logger.LogWarning("Upload of media {MediaId} ({FileName}) failed: {Error}", file.Id, file.FileName, file.LastUploadError);
            }
        }

        await context.SaveChangesAsync(ct);
        return ready;
    }

    /// <summary>Uploads the media of every pack dated in [from, to].</summary>
    public async Task<int> EnsureUploadedForDatesAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var ids = await context.Set<ContentItem>().Where(i => i.MediaId != null && i.Pack!.Date >= from && i.Pack.Date <= to)
            .Select(i => i.MediaId!.Value).Distinct().ToListAsync(ct);
        return await EnsureUploadedAsync(ids, ct);
    }

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500];
}

/// <summary>Turns a pack item into the message one advisor gets: placeholders filled, media resolved.</summary>
public static class ContentRender
{
    /// <summary>Fills <c>{name}</c> and <c>{date}</c> (e.g. "24 Nov 2026"). The values are plain text, never markup.</summary>
    public static string Fill(string template, string? name, DateOnly date) =>
        template.Replace("{name}", string.IsNullOrWhiteSpace(name) ? "there" : name.Trim(), StringComparison.Ordinal)
            .Replace("{date}", FormatDate(date), StringComparison.Ordinal);

    public static string FormatDate(DateOnly date) => date.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>How to refer to an item's media now: a link, a fresh uploaded id, our own public URL, or null (not ready).</summary>
    public static MediaSource? MediaFor(ContentItem item, DateTime now, ContentOptions options)
    {
        if (item.Url is not null)
        {
            return MediaSource.FromLink(item.Url);
        }

        var media = item.Media;
        if (media is null)
        {
            return null;
        }

        if (media.CloudMediaId is not null && media.UploadedAt > now - options.MediaIdLifetime)
        {
            return MediaSource.FromId(media.CloudMediaId);
        }

        return string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? null
            : MediaSource.FromLink(options.PublicBaseUrl.TrimEnd('/') + "/media/" + media.Sha256);
    }

    /// <summary>The message for one item, or null when its media is not ready.</summary>
    public static RecipientMessage? ToMessage(ContentItem item, string to, string? name, DateOnly date, DateTime now, ContentOptions options)
    {
        string? Cap(string? s, int max) => s is null ? null : Limit(Fill(s, name, date), max);
        switch (item.Kind)
        {
            case ItemKinds.Post:
            case ItemKinds.Update:
                return OutboundMessage.Text(to, Limit(Fill(item.Text ?? "", name, date), PackImport.MaxText));
            case ItemKinds.Image:
                return MediaFor(item, now, options) is { } image ? OutboundMessage.Image(to, image, Cap(item.Caption, PackImport.MaxCaption)) : null;
            case ItemKinds.Document:
                return MediaFor(item, now, options) is { } doc
                    ? OutboundMessage.Document(to, doc, Cap(item.Caption, PackImport.MaxCaption), item.FileName ?? item.Media?.FileName)
                    : null;
            default:
                return null;
        }
    }

    private static string Limit(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}

namespace Hubix.Content;

/// <summary><c>Hubix:Content</c>.</summary>
public sealed class ContentOptions : IHubixOptions
{
    public static string Section => "Hubix:Content";

    /// <summary>Re-upload a media file when its Cloud API id is older than this (Meta keeps them 30 days).</summary>
    public TimeSpan MediaIdLifetime { get; set; } = TimeSpan.FromDays(29);

    /// <summary>After a failed upload, wait this long before trying that file again.</summary>
    public TimeSpan UploadRetry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Public base URL of this server (e.g. https://hubix.example.com). When set, a file whose upload has not
    /// succeeded yet is sent as a link to <c>{PublicBaseUrl}/media/{sha256}</c> instead of being skipped.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// Four eyes on content: an imported pack (or a new version of one) starts as a draft that is never sent until a
    /// user other than its importer approves it (<c>POST /api/packs/{id}/approve</c>). Off by default (small firms):
    /// every import is approved as it is stored.
    /// </summary>
    public bool RequireApproval { get; set; }

    /// <summary>
    /// The language of a pack's items that carry no better match (<c>pack.json</c> items may carry <c>lang</c>): an advisor
    /// whose language (<c>Advisor.Language</c>) has no items in a pack gets this language's items, and the unlock records
    /// the fallback. Default <c>en</c>.
    /// </summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>A zipped pack (<c>POST /api/packs</c> with a zip) may hold at most this many entries, folders included.</summary>
    public int ZipMaxEntries { get; set; } = 200;

    /// <summary>
    /// The most bytes one entry of a zipped pack may decompress to, counted while reading (the archive's own sizes are not
    /// trusted). Default 16 MiB, the largest document a pack stores.
    /// </summary>
    public long ZipMaxEntryBytes { get; set; } = PackImport.MaxDocumentBytes;

    /// <summary>The most bytes a zipped pack may decompress to in all, and the most its archive may weigh. Default 64 MiB.</summary>
    public long ZipMaxTotalBytes { get; set; } = 64L * 1024 * 1024;

    public IEnumerable<string> Problems()
    {
        if (MediaIdLifetime <= TimeSpan.Zero || MediaIdLifetime > TimeSpan.FromDays(30))
        {
            yield return "Hubix:Content:MediaIdLifetime must be positive and under Meta's 30 days (e.g. 29.00:00:00).";
        }

        if (!PackLanguages.IsValidTag(DefaultLanguage))
        {
            yield return $"Hubix:Content:DefaultLanguage '{DefaultLanguage}' is not a language code (e.g. en, hi, hi-Latn).";
        }

        if (ZipMaxEntries < 2)
        {
            yield return $"Hubix:Content:ZipMaxEntries is {ZipMaxEntries}; a zipped pack needs at least 2 entries (pack.json and a file), e.g. 200.";
        }

        if (ZipMaxEntryBytes < 1024 || ZipMaxTotalBytes < ZipMaxEntryBytes)
        {
            yield return $"Hubix:Content:ZipMaxEntryBytes ({ZipMaxEntryBytes}) must be at least 1024 and at most Hubix:Content:ZipMaxTotalBytes ({ZipMaxTotalBytes}), e.g. 16777216 and 67108864.";
        }

        if (UploadRetry < TimeSpan.Zero)
        {
            yield return "Hubix:Content:UploadRetry must not be negative.";
        }

        if (!string.IsNullOrWhiteSpace(PublicBaseUrl) && !Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _))
        {
            yield return $"Hubix:Content:PublicBaseUrl '{PublicBaseUrl}' is not an absolute URL (e.g. https://hubix.example.com).";
        }
    }
}

/// <summary>The content library: dated packs of images, posts and market updates, their media and its upload to the Cloud API.</summary>
public static class ContentFeature
{
    public static IHostApplicationBuilder AddContent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<ContentOptions>();
        builder.Services.AddSingleton<MediaUploader>();
        return builder;
    }

    public static IEndpointRouteBuilder MapContent(this IEndpointRouteBuilder app)
    {
        ContentEndpoints.Map(app);
        return app;
    }
}

namespace Hubix.WhatsApp.Messages;

/// <summary>Media referenced either by an uploaded media id or by a public https link (exactly one of them).</summary>
public sealed record MediaSource
{
    private MediaSource(string? id, string? link)
    {
        Id = id;
        Link = link;
    }

    /// <summary>Media id returned by the upload endpoint (valid 30 days).</summary>
    public string? Id { get; }

    /// <summary>Public http(s) URL Meta fetches (and caches ~10 minutes).</summary>
    public string? Link { get; }

    public static MediaSource FromId(string id) => new(id, null);

    public static MediaSource FromLink(string link) => new(null, link);

    internal void Validate(ProblemList problems, string field)
    {
        if (Id is not null)
        {
            problems.Required(field + ".id", Id, 256);
        }
        else if (!Uri.TryCreate(Link, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add(field + ".link", "must be an absolute http(s) URL.");
        }
    }

    internal void WriteProperties(System.Text.Json.Utf8JsonWriter w)
    {
        if (Id is not null)
        {
            w.WriteString("id", Id);
        }
        else
        {
            w.WriteString("link", Link);
        }
    }
}

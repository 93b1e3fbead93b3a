using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Hubix.Kernel;

/// <summary>
/// Page sizes and opaque keyset cursors for every list endpoint. A cursor is the sort key of the last row a page returned,
/// so the next page is an index seek from there (no OFFSET, which reads and throws away every earlier row). Endpoints that
/// answer a JSON array keep that shape and hand the cursor back in the <see cref="NextCursorHeader"/> header.
/// </summary>
public static class Paging
{
    /// <summary>The response header that carries the next page's cursor for endpoints whose body is a bare array.</summary>
    public const string NextCursorHeader = "X-Next-Cursor";

    // Parts never contain it: phones, ticks, ids and pack categories are printable.
    private const char Separator = '\u001f';

    /// <summary>The page size: <paramref name="fallback"/> when absent, capped at <paramref name="max"/>; below 1 is refused.</summary>
    public static int Limit(int? requested, int fallback, int max, string name = "limit")
    {
        if (requested is < 1)
        {
            throw new BadPageException($"{name} must be at least 1 (at most {max}; larger values are capped at {max}).");
        }

        return Math.Min(requested ?? fallback, max);
    }

    public static string Encode(params ReadOnlySpan<string> parts) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join(Separator, parts.ToArray())));

    public static string Encode(DateTime at, long id) => Encode(Ticks(at), Id(id));

    public static string Encode(long id) => Encode(Id(id));

    /// <summary>The cursor's parts; null for no cursor (the first page). One we did not issue is a <see cref="BadPageException"/>.</summary>
    public static string[]? Decode(string? cursor, int parts, string name = "cursor")
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var split = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(Separator);
            if (split.Length == parts)
            {
                return split;
            }
        }
        catch (FormatException)
        {
        }

        throw Bad(name);
    }

    public static long? DecodeId(string? cursor, string name = "cursor") => Decode(cursor, 1, name) is { } p ? ParseId(p[0], name) : null;

    public static (DateTime At, long Id)? DecodeTimeId(string? cursor, string name = "cursor") =>
        Decode(cursor, 2, name) is { } p ? (ParseTime(p[0], name), ParseId(p[1], name)) : null;

    public static DateTime ParseTime(string part, string name = "cursor") =>
        long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime(ticks, DateTimeKind.Utc)
            : throw Bad(name);

    public static long ParseId(string part, string name = "cursor") =>
        long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) ? id : throw Bad(name);

    public static string Ticks(DateTime at) => at.Ticks.ToString(CultureInfo.InvariantCulture);

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sets <see cref="NextCursorHeader"/> when there is a next page.</summary>
    public static void SetNext(HttpResponse response, string? cursor)
    {
        if (cursor is not null)
        {
            response.Headers[NextCursorHeader] = cursor;
        }
    }

    /// <summary>Takes one more row than the page holds to know whether another page follows; returns that and trims the list.</summary>
    public static bool TrimExtra<T>(List<T> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return false;
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return true;
    }

    /// <summary>Answers a <see cref="BadPageException"/> from the endpoint with a 400 problem naming the parameter.</summary>
    public static TBuilder WithPaging<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (BadPageException ex)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad paging parameter", detail: ex.Message);
            }
        });

    private static BadPageException Bad(string name) => new($"{name} is not a cursor this server issued; start again without one.");
}

/// <summary>A page size or cursor the endpoint cannot use; <see cref="Paging.WithPaging{TBuilder}"/> turns it into a 400.</summary>
public sealed class BadPageException(string message) : Exception(message);

using System.Text;
using Hubix.Data;
using Hubix.Operators;
using Hubix.WhatsApp.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Webhooks;

/// <summary>Meta's webhook (handshake and events) and the CRM log's API.</summary>
public static class WebhookEndpoints
{
    /// <summary>Meta's maximum webhook payload.</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/webhook", Verify).WithName("WebhookVerify").ExcludeFromDescription();
        app.MapPost("/webhook", ReceiveAsync).WithName("WebhookReceive").ExcludeFromDescription();

        var api = app.MapGroup("/api").RequireViewer().WithTags("CRM log");
        api.MapGet("/interactions", ListInteractionsAsync).WithName("ListInteractions").WithPaging()
            .WithSummary("The CRM log newest first (by Meta's time, then id); filters phone, type, since. Keyset paging: pass nextCursor as cursor.");
        api.MapGet("/dead-letters", ListDeadLettersAsync).WithName("ListDeadLetters").WithPaging()
            .WithSummary("Dead letters newest first; the next page's cursor is in the X-Next-Cursor header.");
    }

    /// <summary>The GET handshake: echo the challenge when the token matches.</summary>
    private static IResult Verify(HttpRequest request, IOptions<WhatsAppOptions> options)
    {
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        if (mode == "subscribe" && Secrets.FixedTimeEquals(token, options.Value.VerifyToken))
        {
            return Results.Text(challenge, "text/plain", Encoding.UTF8, StatusCodes.Status200OK);
        }

        return Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// Signed with the app secret, or during a rotation with the previous one. Both are always checked (each in constant
    /// time), so the time taken does not tell which secret a forged signature came closer to.
    /// </summary>
    internal static bool IsSigned(byte[] body, string header, WhatsAppOptions options)
    {
        var current = WebhookSignature.IsValid(body, header, Encoding.UTF8.GetBytes(options.AppSecret));
        var previous = !string.IsNullOrEmpty(options.PreviousAppSecret)
            && WebhookSignature.IsValid(body, header, Encoding.UTF8.GetBytes(options.PreviousAppSecret));
        return current | previous;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext http, IOptions<WhatsAppOptions> options, InboxWriter inbox, HubixDb db, WebhookCounters counters, TimeProvider time, ILogger<InboxWriter> logger)
    {
        var request = http.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            counters.Rejected("too_large");
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"Webhook bodies are at most {MaxBodyBytes} bytes.");
        }

        var body = await ReadBodyAsync(request, http.RequestAborted);
        if (body is null)
        {
            counters.Rejected("too_large");
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"Webhook bodies are at most {MaxBodyBytes} bytes.");
        }

        if (!IsSigned(body, request.Headers[WebhookSignature.HeaderName].ToString(), options.Value))
        {
            counters.Rejected("bad_signature");
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid signature",
                detail: $"{WebhookSignature.HeaderName} is missing or does not match the body.");
        }

        var envelopeError = WebhookParser.ValidateEnvelope(body);
        if (envelopeError is not null)
        {
            // Signed by Meta, so it is Meta's data: keep it where an operator can see it, then tell Meta no.
            await using (var context = db.CreateDbContext())
            {
                context.Add(new DeadLetter { At = time.GetUtcNow().UtcDateTime, Source = "ingress", Reason = envelopeError, Body = body });
                await context.SaveChangesAsync(http.RequestAborted);
            }

            counters.Rejected("malformed");
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a WhatsApp webhook", detail: envelopeError);
        }

        try
        {
            await inbox.AppendAsync(body, http.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            counters.Rejected("store_failed");
            logger.LogError(ex, "Webhook body could not be stored; Meta will retry");
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Could not store the webhook", detail: "Try again later.");
        }

        counters.Accepted();
        return Results.Ok();
    }

    /// <summary>Reads the raw bytes (the signature is over them); null when over the limit.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var capacity = request.ContentLength is { } len and <= MaxBodyBytes ? (int)len : 4096;
        using var buffer = new MemoryStream(capacity);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk.AsSpan(0, read));
        }

        return buffer.ToArray();
    }

    public sealed record InteractionDto(
        long Id, DateTime At, string? Phone, string? UserId, string Direction, string Type, string? Payload, string? Text,
        string? WaMessageId, string? Context, int? ErrorCode, string? ErrorDetails);

    /// <param name="NextCursor">Pass as <c>cursor</c> for the next (older) page; null on the last page.</param>
    public sealed record InteractionList(IReadOnlyList<InteractionDto> Items, string? NextCursor = null);

    public const int MaxInteractions = 1000;

    /// <summary>
    /// Newest first by (At, Id), a walk of the (Phone, At, Id), (Type, At, Id) or (At, Id) index from the cursor: the log
    /// holds weeks of millions of rows a day, and every page costs the same.
    /// </summary>
    private static async Task<Ok<InteractionList>> ListInteractionsAsync(
        HubixDb db, string? phone, string? type, DateTime? since, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 100, MaxInteractions);
        var after = Paging.DecodeTimeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<Interaction>().AsNoTracking();
        if (!string.IsNullOrEmpty(phone))
        {
            query = query.Where(i => i.Phone == phone);
        }

        if (!string.IsNullOrEmpty(type))
        {
            query = query.Where(i => i.Type == type);
        }

        if (since is { } s)
        {
            var utc = s.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : s.ToUniversalTime();
            query = query.Where(i => i.At >= utc);
        }

        if (after is var (at, id))
        {
            query = query.Where(i => i.At <= at && (i.At < at || i.Id < id));
        }

        var items = await query.OrderByDescending(i => i.At).ThenByDescending(i => i.Id).Take(take + 1)
            .Select(i => new InteractionDto(i.Id, i.At, i.Phone, i.UserId, i.Direction, i.Type, i.Payload, i.Text, i.WaMessageId, i.Context, i.ErrorCode, i.ErrorDetails))
            .ToListAsync(ct);
        var more = Paging.TrimExtra(items, take);
        return TypedResults.Ok(new InteractionList(items, more ? Paging.Encode(items[^1].At, items[^1].Id) : null));
    }

    public sealed record DeadLetterDto(long Id, DateTime At, string Source, string Reason, string Body, long? InboxEventId);

    /// <summary>Newest first by id; <c>cursor</c> from the <see cref="Paging.NextCursorHeader"/> header of the previous page.</summary>
    private static async Task<Ok<List<DeadLetterDto>>> ListDeadLettersAsync(HubixDb db, HttpResponse response, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 100, 1000);
        var before = Paging.DecodeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<DeadLetter>().AsNoTracking();
        if (before is { } b)
        {
            query = query.Where(d => d.Id < b);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Id) : null);
        return TypedResults.Ok(rows.Select(d => new DeadLetterDto(d.Id, d.At, d.Source, d.Reason, Encoding.UTF8.GetString(d.Body), d.InboxEventId)).ToList());
    }
}

/// <summary>Counts webhook requests by result, for /metrics and the dashboard.</summary>
public sealed class WebhookCounters
{
    private long _accepted;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);

    public long AcceptedCount => Interlocked.Read(ref _accepted);
    public IReadOnlyDictionary<string, long> RejectedCounts => _rejected;

    public void Accepted() => Interlocked.Increment(ref _accepted);
    public void Rejected(string reason) => _rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
}

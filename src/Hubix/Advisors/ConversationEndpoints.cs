using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.WhatsApp.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// What a person does in a conversation with an advisor: reply (only inside WhatsApp's 24-hour customer-service window,
/// which runs from the advisor's last message) and hand the conversation back to the assistant.
/// </summary>
public static partial class ConversationEndpoints
{
    /// <summary>WhatsApp's customer-service window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/conversations").RequireOperator().RequireCors(DashboardCors.Policy).WithTags("Conversations");
        api.MapPost("/{phone}/reply", ReplyAsync).WithName("ReplyToConversation")
            .WithSummary("Queue an operator's text; only inside the 24-hour customer-service window (409 otherwise).");
        api.MapPost("/{phone}/handoff/close", CloseHandoffAsync).WithName("CloseHandoff")
            .WithSummary("Hand the conversation back to the agent.");
    }

    /// <summary>An operator's message. <see cref="IdempotencyKey"/>: the same key twice queues one message (a double click).</summary>
    public sealed record ReplyRequest([property: Required, MaxLength(TextMessage.MaxBodyLength)] string Text, string? IdempotencyKey = null);

    public sealed record ReplyResponse(long OutboxId, string State, DateTime ExpiresAt);

    private static async Task<Results<Accepted<ReplyResponse>, ProblemHttpResult>> ReplyAsync(
        string phone, ReplyRequest request, HubixDb db, Outbox outbox, LiveFeed feed, TimeProvider time, ClaimsPrincipal user, ILogger<ReplyRequest> logger, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > TextMessage.MaxBodyLength)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad text", detail: $"text is required, at most {TextMessage.MaxBodyLength} characters.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var advisor = await work.Db.Set<Advisor>().AsNoTracking().FirstOrDefaultAsync(a => a.Phone == phone, ct);
        if (advisor is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such advisor", detail: $"No advisor has phone {phone}.");
        }

        if (advisor.Status == AdvisorStatus.OptedOut)
        {
            // It would only be cancelled at send time (ConsentService.OptedOutHold): say so now instead.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Advisor opted out",
                detail: "This advisor opted out; Hubix sends them nothing until they write START or an operator records their new consent.");
        }

        if (advisor.LastInboundAt is not { } last)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Window closed",
                detail: "This advisor has never written to us, so WhatsApp allows only templates. The window opens when they write.");
        }

        var until = last + Window;
        if (until <= now)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Window closed",
                detail: $"The 24-hour window closed at {until:yyyy-MM-dd HH:mm} UTC (24 h after their last message). Free text would fail with 131047; wait for them to write, or send a template.");
        }

        var key = "operator:" + phone + ":" + (string.IsNullOrWhiteSpace(request.IdempotencyKey) ? Guid.NewGuid().ToString("N") : request.IdempotencyKey.Trim());
        IReadOnlyList<OutboxMessage> added;
        try
        {
            added = await outbox.EnqueueAsync(work, new OutboxRequest(OutboundMessage.Text(phone, request.Text), key, OutboxPurpose.Operator,
                OutboxPriority.Waiting, ExpiresAt: until), ct);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a valid message", detail: ex.Message);
        }

        var text = request.Text.Length > 500 ? request.Text[..500] : request.Text;
        var row = added.Count > 0 ? added[0] : null;
        if (row is not null)
        {
            // Who said what to whom: the operator's name and the text, committed with the message it queues.
            var entry = user.Audit(AuditActions.Reply, phone, request.Text).Add(work.Db, now);
            work.AfterSave(() =>
            {
                var detail = "outbox " + row.Id.ToString(CultureInfo.InvariantCulture) + ": " + request.Text;
                entry.Detail = detail.Length > AuditNote.MaxDetail ? detail[..AuditNote.MaxDetail] : detail;
            });
            var by = user.ActorName();
            work.AfterSave(() => work.Publish(feed, new LiveEvent("operator_reply", now, phone, new { outboxId = row.Id, text, by })));
        }

        await work.CommitAsync(ct);
        row ??= await work.Db.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.IdempotencyKey == key, ct);
        LogReplyQueued(logger, row.Id, phone, until);
        return TypedResults.Accepted($"/api/advisors/{phone}/timeline", new ReplyResponse(row.Id, row.State.ToString().ToLowerInvariant(), until));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CloseHandoffAsync(
        string phone, HubixDb db, LiveFeed feed, TimeProvider time, ClaimsPrincipal user, ILogger<ReplyRequest> logger, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var advisor = await work.Db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == phone, ct);
        if (advisor is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such advisor", detail: $"No advisor has phone {phone}.");
        }

        var wasOpen = advisor.HandoffOpen;
        advisor.HandoffOpen = false;
        user.Audit(AuditActions.HandBack, phone, wasOpen ? "handoff closed: back to the assistant" : "handoff was not open").Add(work.Db, now);
        await work.CommitAsync(ct);
        LogHandoffClosed(logger, phone);
        feed.Publish(new LiveEvent("handoff", now, phone, new { open = false }));
        return TypedResults.NoContent();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator reply queued as outbox {OutboxId} for advisor {Phone}; expires {ExpiresAt:o}")]
    private static partial void LogReplyQueued(ILogger logger, long outboxId, string phone, DateTime expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff closed for advisor {Phone}")]
    private static partial void LogHandoffClosed(ILogger logger, string phone);
}

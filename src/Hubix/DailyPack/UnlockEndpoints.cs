using System.Globalization;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>The unlocks API: taps and their pack deliveries, and the operator's resend.</summary>
public static class UnlockEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/unlocks").RequireViewer().WithTags("Unlocks");
        api.MapGet("/", ListAsync).WithName("ListUnlocks").WithPaging()
            .WithSummary("Unlocks newest first, by pack date and/or phone (limit=, default 200, max 1000); next cursor in X-Next-Cursor.");
        api.MapPost("/{id:long}/resend", ResendAsync).WithName("ResendUnlock").RequireOperator().RequireCors(DashboardCors.Policy)
            .WithSummary("Resend the undelivered messages of a failed or partial pack.");
    }

    private static async Task<Results<Accepted<string>, ProblemHttpResult>> ResendAsync(long id, UnlockResender resender, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var (outcome, detail) = await resender.ResendAsync(id, ct, user.ActorName());
        return outcome switch
        {
            ResendOutcome.Resent => TypedResults.Accepted((string?)null, detail),
            ResendOutcome.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such unlock", detail: detail),
            ResendOutcome.NotResendable => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to resend", detail: detail),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Unknown outcome"),
        };
    }

    public sealed record UnlockDto(
        long Id, string Phone, long PackId, DateOnly PackDate, string Scope, int Sequence, string State, string TapKind, string ResolvedBy,
        string TapMessageId, DateTime TappedAt, DateTime? FirstAcceptedAt, DateTime? DeliveredAt, int ItemCount, int SkippedItems, string? FailureReason,
        int ItemsAccepted = 0, int ItemsDelivered = 0);

    public static string StateName(UnlockState s) => s switch
    {
        UnlockState.Delivering => "delivering",
        UnlockState.Delivered => "delivered",
        UnlockState.Partial => "partial",
        UnlockState.Failed => "failed",
        _ => "unknown",
    };

    /// <summary><c>?date=YYYY-MM-DD</c> (the pack's date) and/or <c>?phone=</c>. States are brought up to date from the outbox on read.</summary>
    private static async Task<Results<Ok<List<UnlockDto>>, ProblemHttpResult>> ListAsync(
        HubixDb db, HttpResponse response, string? date, string? phone, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 200, 1000);
        var before = Paging.DecodeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<UnlockRecord>().AsQueryable();
        if (!string.IsNullOrEmpty(date))
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return TypedResults.Problem(statusCode: 400, title: "Bad date", detail: $"date: '{date}' is not YYYY-MM-DD");
            }

            query = query.Where(u => u.PackDate == d);
        }

        if (!string.IsNullOrEmpty(phone))
        {
            var p = Advisors.AdvisorImport.NormalisePhone(phone, out _) ?? phone;
            query = query.Where(u => u.Phone == p);
        }

        if (before is { } b)
        {
            query = query.Where(u => u.Id < b);
        }

        var rows = await query.OrderByDescending(u => u.Id).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Id) : null);
        await UnlockTracker.RefreshAsync(context, rows, ct);
        await context.SaveChangesAsync(ct);

        // Each pack's progress, item by item (the Deliveries view): one grouped read of the page's groups, on the group index.
        var progress = new Dictionary<string, (int Accepted, int Delivered)>(StringComparer.Ordinal);
        foreach (var chunk in rows.Select(u => u.GroupKey).Chunk(200))
        {
            foreach (var g in await context.Set<Delivery.OutboxMessage>().AsNoTracking().Where(o => chunk.Contains(o.GroupKey))
                .GroupBy(o => o.GroupKey!)
                .Select(g => new
                {
                    g.Key,
                    Accepted = g.Count(o => o.State >= Delivery.OutboxState.Accepted && o.State <= Delivery.OutboxState.Read),
                    Delivered = g.Count(o => o.State == Delivery.OutboxState.Delivered || o.State == Delivery.OutboxState.Read),
                }).ToListAsync(ct))
            {
                progress[g.Key] = (g.Accepted, g.Delivered);
            }
        }

        return TypedResults.Ok(rows.Select(u => new UnlockDto(u.Id, u.Phone, u.PackId, u.PackDate, u.Scope, u.Sequence, StateName(u.State), u.TapKind,
            u.ResolvedBy, u.TapMessageId, u.TappedAt, u.FirstAcceptedAt, u.DeliveredAt, u.ItemCount, u.SkippedItems, u.FailureReason,
            progress.GetValueOrDefault(u.GroupKey).Accepted, progress.GetValueOrDefault(u.GroupKey).Delivered)).ToList());
    }
}

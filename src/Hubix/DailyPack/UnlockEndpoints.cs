using System.Globalization;
using Hubix.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

public static class UnlockEndpoints
{
    public static IHostApplicationBuilder AddUnlock(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UnlockOptions>().BindConfiguration(UnlockOptions.Section);
        builder.Services.AddSingleton<Webhooks.IInboxHandler, UnlockHandler>();

        // Unlock state from delivery events, and the dashboard's seams (UnlockProgress.cs, UnlockDashboardSeams.cs, UnlockResender.cs).
        builder.Services.AddSingleton<UnlockProgress>();
        builder.Services.AddSingleton<Delivery.IDeliveryEvents>(sp => sp.GetRequiredService<UnlockProgress>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UnlockProgress>());
        builder.Services.AddSingleton<Delivery.IDeliveryEvents, DeliveryFailureFeed>();
        builder.Services.AddSingleton<Dashboard.IUnlockResender, UnlockResender>();
        return builder;
    }

    public static IEndpointRouteBuilder MapUnlockEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/unlocks").RequireAdminKey().WithTags("Unlocks");
        api.MapGet("/", ListAsync).WithName("ListUnlocks");
        return app;
    }

    public sealed record UnlockDto(
        long Id, string Phone, long PackId, DateOnly PackDate, string Scope, int Sequence, string State, string TapKind, string ResolvedBy,
        string TapMessageId, DateTime TappedAt, DateTime? FirstAcceptedAt, DateTime? DeliveredAt, int ItemCount, int SkippedItems, string? FailureReason);

    public static string StateName(UnlockState s) => s switch
    {
        UnlockState.Delivering => "delivering",
        UnlockState.Delivered => "delivered",
        UnlockState.Partial => "partial",
        UnlockState.Failed => "failed",
        _ => "unknown",
    };

    /// <summary><c>?date=YYYY-MM-DD</c> (the pack's date) and/or <c>?phone=</c>. States are brought up to date from the outbox on read.</summary>
    private static async Task<Results<Ok<List<UnlockDto>>, ProblemHttpResult>> ListAsync(HubixDb db, string? date, string? phone, int? limit, CancellationToken ct)
    {
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

        var rows = await query.OrderByDescending(u => u.Id).Take(Math.Clamp(limit ?? 200, 1, 5000)).ToListAsync(ct);
        await UnlockTracker.RefreshAsync(context, rows, ct);
        await context.SaveChangesAsync(ct);
        return TypedResults.Ok(rows.Select(u => new UnlockDto(u.Id, u.Phone, u.PackId, u.PackDate, u.Scope, u.Sequence, StateName(u.State), u.TapKind,
            u.ResolvedBy, u.TapMessageId, u.TappedAt, u.FirstAcceptedAt, u.DeliveredAt, u.ItemCount, u.SkippedItems, u.FailureReason)).ToList());
    }
}

using System.Globalization;
using System.Text.Json;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>The daily template's API: its runs, its sends, and a manual send.</summary>
public static class ScheduleEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/daily").RequireViewer().WithTags("Daily template");
        api.MapGet("/runs", RunsAsync).WithName("ListDailyRuns").WithPaging()
            .WithSummary("Daily runs newest first (limit=, default 50, max 1000); next cursor in X-Next-Cursor.");
        api.MapGet("/sends", SendsAsync).WithName("ListDailySends").WithPaging()
            .WithSummary("Daily sends newest first, optionally of one local date (limit=, default and max 1000); next cursor in X-Next-Cursor.");
        api.MapPost("/send", SendAsync).WithName("SendDailyNow").RequireAdmin();
    }

    public sealed record DailyRunDto(long Id, DateTime StartedAt, DateTime FinishedAt, string Trigger, int Due, int Enqueued, int Skipped, Dictionary<string, int> Reasons, string? Note);

    public sealed record DailySendDto(string Phone, DateOnly LocalDate, long? PackId, string State, string? Reason, DateTime CreatedAt);

    private static async Task<Ok<List<DailyRunDto>>> RunsAsync(HubixDb db, HttpResponse response, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 50, 1000);
        var before = Paging.DecodeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<DailyRun>().AsNoTracking();
        if (before is { } b)
        {
            query = query.Where(r => r.Id < b);
        }

        var rows = await query.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Id) : null);
        return TypedResults.Ok(rows.Select(r => new DailyRunDto(r.Id, r.StartedAt, r.FinishedAt, r.Trigger, r.Due, r.Enqueued, r.Skipped,
            JsonSerializer.Deserialize(r.Reasons, ScheduleJson.Default.DictionaryStringInt32) ?? [], r.Note)).ToList());
    }

    private static async Task<Results<Ok<List<DailySendDto>>, ProblemHttpResult>> SendsAsync(
        HubixDb db, HttpResponse response, string? date, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 1000, 1000);
        var before = Paging.DecodeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<DailySend>().AsNoTracking();
        if (!string.IsNullOrEmpty(date))
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return TypedResults.Problem(statusCode: 400, title: "Bad date", detail: $"date: '{date}' is not YYYY-MM-DD");
            }

            query = query.Where(s => s.LocalDate == d);
        }

        if (before is { } b)
        {
            query = query.Where(s => s.Id < b);
        }

        var rows = await query.OrderByDescending(s => s.Id).Take(take + 1).ToListAsync(ct);
        Paging.SetNext(response, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Id) : null);
        return TypedResults.Ok(rows.Select(s => new DailySendDto(s.Phone, s.LocalDate, s.PackId, s.State == DailySendState.Queued ? "queued" : "skipped", s.Reason, s.CreatedAt)).ToList());
    }

    /// <summary>Sends now, ignoring DailyAt/LatestAt (still once per advisor-day). <c>?date=&amp;phone=&amp;dryRun=true</c>.</summary>
    private static async Task<Results<Ok<DailyRunResult>, ProblemHttpResult>> SendAsync(
        DailySender sender, HubixDb db, TimeProvider time, System.Security.Claims.ClaimsPrincipal user, string? date, string? phone, bool? dryRun, CancellationToken ct)
    {
        DateOnly? d = null;
        if (!string.IsNullOrEmpty(date))
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                return TypedResults.Problem(statusCode: 400, title: "Bad date", detail: $"date: '{date}' is not YYYY-MM-DD");
            }

            d = parsed;
        }

        var p = phone is null ? null : Advisors.AdvisorImport.NormalisePhone(phone, out _) ?? phone;
        if (dryRun != true)
        {
            // The request is recorded before the run (which commits in chunks of its own): who asked for which send.
            var now = time.GetUtcNow().UtcDateTime;
            await using var work = await UnitOfWork.BeginAsync(db, now, ct);
            user.Audit(AuditActions.DailySend, p ?? "all advisors", d is { } day ? "date " + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "each advisor's today").Add(work.Db, now);
            await work.CommitAsync(ct);
        }

        return TypedResults.Ok(await sender.RunAsync(new DailyRequest("api", d, p, dryRun == true, Force: true), ct));
    }
}

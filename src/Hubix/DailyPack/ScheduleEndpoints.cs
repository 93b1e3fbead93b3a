using System.Globalization;
using System.Text.Json;
using Hubix.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

public static class ScheduleEndpoints
{
    public static IHostApplicationBuilder AddSchedule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScheduleOptions>().BindConfiguration(ScheduleOptions.Section)
            .Validate(o => o.LatestAt > o.DailyAt && o.LatestAt <= TimeSpan.FromHours(24) && o.DailyAt >= TimeSpan.Zero,
                "Hubix:Schedule: DailyAt must be a time of day before LatestAt (e.g. 05:00 and 12:00).")
            .Validate(o => o.Tick >= TimeSpan.FromSeconds(1), "Hubix:Schedule:Tick must be at least 1 second.")
            .ValidateOnStart();
        builder.Services.AddOptions<DailyTemplateOptions>().BindConfiguration(DailyTemplateOptions.Section)
            .Validate(o => o.EffectiveButtons.All(b => DailyPack.UnlockScopes.Prefixes.ContainsKey(b)),
                "Hubix:Templates:Daily:Buttons: each entry must be RETRIEVE_CONTENT, UNLOCK_IMAGES, UNLOCK_CONTENT or UNLOCK_UPDATES.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ITemplateCatalog, CloudTemplateCatalog>();
        builder.Services.AddSingleton<DailySender>();
        builder.Services.AddHostedService<DailyScheduler>();

        // The dashboard's daily-run panel, timeline and live feed (ScheduleDashboardSeams.cs).
        builder.Services.AddSingleton<DailyRunStatus>();
        builder.Services.AddHostedService<DailyRunFeed>();
        return builder;
    }

    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/daily").RequireAdminKey().WithTags("Daily template");
        api.MapGet("/runs", RunsAsync).WithName("ListDailyRuns");
        api.MapGet("/sends", SendsAsync).WithName("ListDailySends");
        api.MapPost("/send", SendAsync).WithName("SendDailyNow");
        return app;
    }

    public sealed record DailyRunDto(long Id, DateTime StartedAt, DateTime FinishedAt, string Trigger, int Due, int Enqueued, int Skipped, Dictionary<string, int> Reasons, string? Note);

    public sealed record DailySendDto(string Phone, DateOnly LocalDate, long? PackId, string State, string? Reason, DateTime CreatedAt);

    private static async Task<Ok<List<DailyRunDto>>> RunsAsync(HubixDb db, int? limit, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var rows = await context.Set<DailyRun>().AsNoTracking().OrderByDescending(r => r.Id).Take(Math.Clamp(limit ?? 50, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => new DailyRunDto(r.Id, r.StartedAt, r.FinishedAt, r.Trigger, r.Due, r.Enqueued, r.Skipped,
            JsonSerializer.Deserialize(r.Reasons, ScheduleJson.Default.DictionaryStringInt32) ?? [], r.Note)).ToList());
    }

    private static async Task<Results<Ok<List<DailySendDto>>, ProblemHttpResult>> SendsAsync(HubixDb db, string? date, CancellationToken ct)
    {
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

        var rows = await query.OrderByDescending(s => s.Id).Take(5000).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(s => new DailySendDto(s.Phone, s.LocalDate, s.PackId, s.State == DailySendState.Queued ? "queued" : "skipped", s.Reason, s.CreatedAt)).ToList());
    }

    /// <summary>Sends now, ignoring DailyAt/LatestAt (still once per advisor-day). <c>?date=&amp;phone=&amp;dryRun=true</c>.</summary>
    private static async Task<Results<Ok<DailyRunResult>, ProblemHttpResult>> SendAsync(DailySender sender, string? date, string? phone, bool? dryRun, CancellationToken ct)
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
        return TypedResults.Ok(await sender.RunAsync(new DailyRequest("api", d, p, dryRun == true, Force: true), ct));
    }
}

using Hubix.Data;
using Hubix.Operators;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hubix.AccountHealth;

/// <summary>
/// The WhatsApp account's health, acted on: template status, category and quality webhooks update
/// <see cref="TemplateHealth"/> at once (the daily run's template check reads it); phone-number and account updates are
/// recorded; alerts go to <c>Hubix:Alerts:WebhookUrl</c> and the dashboard's banner.
/// </summary>
public static class AccountHealthFeature
{
    public static IHostApplicationBuilder AddAccountHealth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHubixOptions<AlertOptions>();
        services.AddHttpClient(nameof(AlertSender), c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<AlertSender>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertSender>());
        services.AddSingleton<AccountHealthStore>();
        services.AddSingleton<IInboxHandler, AccountHealthInboxHandler>();
        services.AddHostedService<AlertWatcher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountHealth(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/account").RequireViewer().WithTags("Account health");
        api.MapGet("/health", HealthAsync).WithName("GetAccountHealth")
            .WithSummary("Templates' status, category and quality, the phone number's quality and messaging limit, recent account events, banners and alerts.");
        api.MapPost("/templates/{name}/{language}/confirm-category", ConfirmAsync).WithName("ConfirmTemplateCategory")
            .WithSummary("Accept a template's new category (e.g. MARKETING and its pricing) so the daily run sends it again. Body: {\"category\":\"MARKETING\"}.")
            .RequireAdmin();
        return app;
    }

    public sealed record HealthResponse(AccountHealthView Health, IReadOnlyList<Alert> Alerts);

    public sealed record ConfirmRequest(string? Category);

    private static async Task<Ok<HealthResponse>> HealthAsync(AccountHealthStore store, AlertSender alerts, int? events, CancellationToken ct)
    {
        var view = await store.ReadAsync(Math.Clamp(events ?? 50, 1, 500), ct);
        return TypedResults.Ok(new HealthResponse(view, alerts.Recent.Reverse().ToList()));
    }

    private static async Task<Results<Ok<TemplateHealthDto>, ProblemHttpResult>> ConfirmAsync(
        AccountHealthStore store, HubixDb db, TimeProvider time, System.Security.Claims.ClaimsPrincipal user, string name, string language, ConfirmRequest? body, CancellationToken ct)
    {
        var category = body?.Category?.Trim().ToUpperInvariant();
        if (category is not ("MARKETING" or "UTILITY" or "AUTHENTICATION"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad category",
                detail: "category: send {\"category\":\"MARKETING\"} (or UTILITY, AUTHENTICATION): the category you accept this template is sent and priced in.");
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 512 || string.IsNullOrWhiteSpace(language) || language.Length > 16)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad template", detail: "name (at most 512) and language (at most 16) are required.");
        }

        var t = await store.ConfirmCategoryAsync(name, language, category, ct);
        // Recorded right after the confirmation, in a transaction of its own (the store commits the confirmation itself).
        await using (var context = db.CreateDbContext())
        {
            user.Audit(AuditActions.TemplateCategoryConfirm, name + "/" + language, "category " + category).Add(context, time.GetUtcNow().UtcDateTime);
            await context.SaveChangesAsync(ct);
        }

        return TypedResults.Ok(new TemplateHealthDto(t.Name, t.Language, t.Status, t.StatusReason, t.StatusAt, t.Category, t.PreviousCategory, t.CategoryAt,
            t.PendingCategory, t.PendingCategoryAt, t.Quality, t.QualityAt, t.ConfirmedCategory, t.ConfirmedAt));
    }
}

using Hubix.Operators;

namespace Hubix.Dashboard;

/// <summary>The admins' Settings page: the configuration this server runs with (secrets only as set / not set).</summary>
internal static class SettingsEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/settings", (IServiceProvider services) => TypedResults.Ok(EffectiveSettings.Read(services)))
            .WithName("GetSettings").WithTags("Settings").RequireAdmin().RequireCors(DashboardCors.Policy)
            .WithSummary("Every setting of every feature as this server runs with it, marked when it differs from the default; secrets only as set or not set. Admins.");
}

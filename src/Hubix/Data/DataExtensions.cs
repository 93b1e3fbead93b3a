using Hubix.Kernel;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Data;

public static class DataExtensions
{
    /// <summary>Registers <see cref="HubixDb"/> for the configured provider (SQLite file by default).</summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        builder.Services.AddSingleton(_ => CreateDb(builder.Configuration));
        builder.Services.AddSingleton<IDbContextFactory<HubixDbContext>>(sp => sp.GetRequiredService<HubixDb>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.Services.AddHubixOptions<ReplicaOptions>();
        builder.Services.AddSingleton<ReplicaLease>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaLease>());
        builder.Services.AddSingleton<PostgresLiveRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PostgresLiveRelay>());
        return builder;
    }

    public static HubixDb CreateDb(IConfiguration configuration)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = configuration.GetConnectionString("Hubix");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = DatabaseOptions.DefaultSqlite;
        }

        return new HubixDb(options.Provider, connectionString, options.Synchronous);
    }

    /// <summary>Applies pending migrations; an explicit, logged step before anything is served.</summary>
    public static async Task MigrateAsync(this HubixDb db, ILogger logger, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var pending = (await context.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            logger.LogInformation("Database schema is up to date ({Provider})", db.Provider);
            return;
        }

        logger.LogInformation("Applying {Count} migration(s) on {Provider}: {Migrations}", pending.Count, db.Provider, string.Join(", ", pending));
        await context.Database.MigrateAsync(ct);
    }
}

/// <summary>Ready when the database answers and no migration is pending.</summary>
internal sealed class DatabaseHealthCheck(HubixDb db) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var ctx = db.CreateDbContext();
            if (!await ctx.Database.CanConnectAsync(cancellationToken))
            {
                return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("database unreachable");
            }

            var pending = (await ctx.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            return pending.Count == 0
                ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()
                : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("pending migrations: " + string.Join(", ", pending));
        }
        catch (Exception ex)
        {
            return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("database error: " + ex.GetType().Name);
        }
    }
}

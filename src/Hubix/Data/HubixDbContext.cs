using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Hubix.Data;

/// <summary>
/// The one database context. Entities live in their feature folders with an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> beside them; use <c>db.Set&lt;T&gt;()</c>.
/// Each provider has a derived context (<see cref="SqliteHubixDbContext"/>, <see cref="PostgresHubixDbContext"/>)
/// so that each keeps its own migrations (docs/decisions/ADR-001-one-context-two-providers.md).
/// </summary>
public class HubixDbContext(DbContextOptions options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HubixDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC. SQLite stores text and gives back Kind=Unspecified; this hands it back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? (v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime()) : v,
        v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}

/// <summary>The SQLite flavour; its migrations are in Data/Migrations/Sqlite.</summary>
public sealed class SqliteHubixDbContext(DbContextOptions<SqliteHubixDbContext> options) : HubixDbContext(options);

/// <summary>The PostgreSQL flavour; its migrations are in Data/Migrations/Postgres.</summary>
public sealed class PostgresHubixDbContext(DbContextOptions<PostgresHubixDbContext> options) : HubixDbContext(options);

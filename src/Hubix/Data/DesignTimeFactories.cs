using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Hubix.Data;

// Used only by `dotnet ef migrations add`; the connection strings are placeholders, never opened.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteHubixDbContext>
{
    public SqliteHubixDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteHubixDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHubixDbContext>
{
    public PostgresHubixDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresHubixDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

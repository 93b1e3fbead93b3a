using Hubix.Data;
using Npgsql;

namespace Hubix.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database for one test: an SQLite file in a temp folder, or a new database on the
/// PostgreSQL that the test command starts (HUBIX_TEST_POSTGRES). Without that variable the PostgreSQL
/// case is skipped, so a bare `dotnet test` still runs everything else.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "HUBIX_TEST_POSTGRES";

    private readonly string? _dir;
    private readonly string? _pgAdmin;
    private readonly string? _pgName;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? dir, string? pgAdmin, string? pgName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _dir = dir;
        _pgAdmin = pgAdmin;
        _pgName = pgName;
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    /// <summary>Both providers, for [Theory] [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))].</summary>
    public static TheoryData<string> Providers => new("Sqlite", "Postgres");

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == "Sqlite")
        {
            var dir = Path.Combine(Path.GetTempPath(), "hubix-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(dir, "hubix.db")}", dir, null, null);
        }

        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrEmpty(admin))
        {
            Assert.Skip($"{PostgresVariable} is not set; ./test.sh starts a PostgreSQL and sets it.");
        }

        var name = "hubix_" + Guid.NewGuid().ToString("N")[..16];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 40 }.ToString();
        return new TestDatabase(DatabaseProvider.Postgres, cs, null, admin, name);
    }

    /// <summary>An existing SQLite file (a backup, say); deleted with the test's temp folder only if it is in one.</summary>
    public static Task<TestDatabase> CreateFromFileAsync(string path) =>
        Task.FromResult(new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={path}", null, null, null));

    /// <summary>Configuration arguments that point a Hubix host at this database.</summary>
    public IEnumerable<string> HostArgs =>
    [
        $"--Hubix:Database:Provider={Provider}",
        $"--ConnectionStrings:Hubix={ConnectionString}",
    ];

    public HubixDb Open() => new(Provider, ConnectionString);

    public async ValueTask DisposeAsync()
    {
        if (_dir is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A host may still hold the file briefly; the temp folder is cleaned by the OS.
            }
        }

        if (_pgAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_pgAdmin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgName}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

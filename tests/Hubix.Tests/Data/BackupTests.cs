using System.Globalization;
using System.Security.Cryptography;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Tests.Data;

/// <summary><c>hubix backup FILE</c> (SQLite): a consistent copy that a server starts on and continues from.</summary>
public class BackupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_backup_taken_with_the_cli_serves_and_processes_the_webhook_that_was_pending()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var dir = Directory.CreateTempSubdirectory("hubix-backup-").FullName;
        const string phone = "918200000001";
        await using (var db = database.Open())
        {
            await db.MigrateAsync(NullLogger.Instance, Ct);
            Assert.True((await AdvisorImport.ImportCsvAsync(db, $"phone,name,timezone,language,categories\n+{phone},Asha,Asia/Kolkata,en,\n", false, DateTime.UtcNow, Ct)).Applied);
            // A webhook acknowledged to Meta but not processed yet: it must not be lost by a backup and restore.
            var body = System.Text.Encoding.UTF8.GetBytes(UnlockKit.Text(phone, "wamid.backup.pending", DateTimeOffset.UtcNow, "was pending at backup time"));
            await using var ctx = db.CreateDbContext();
            ctx.Add(new InboxEvent
            {
                ReceivedAt = DateTime.UtcNow, BodyHash = Convert.ToHexStringLower(SHA256.HashData(body)), Body = body,
                State = InboxState.Pending, NextAttemptAt = DateTime.UtcNow,
            });
            await ctx.SaveChangesAsync(Ct);
        }

        var copy = Path.Combine(dir, "backups", "hubix-copy.db");
        string[] config = [.. database.HostArgs];
        var (code, output, error) = await ServeProcess.RunAsync(["backup", copy, .. config], dir);
        Assert.True(code == 0, output + error);
        Assert.Contains("backed up to", output, StringComparison.Ordinal);

        // A second backup to the same file is refused: a backup never overwrites.
        var again = await ServeProcess.RunAsync(["backup", copy, .. config], dir);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists", again.Error, StringComparison.Ordinal);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        // Restore = start on the copy: the advisor is there, and the pending webhook is processed.
        await using var restored = await TestDatabase.CreateFromFileAsync(copy);
        await using var host = await HubixTestHost.StartAsync(restored);
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await using var ctx = host.Db.CreateDbContext();
            return await ctx.Set<Interaction>().AnyAsync(i => i.WaMessageId == "wamid.backup.pending", Ct);
        }, "the webhook that was pending at backup time to be processed");
        await using (var ctx = host.Db.CreateDbContext())
        {
            Assert.Equal(1, await ctx.Set<Advisor>().CountAsync(Ct));
            Assert.Equal(0, await ctx.Set<InboxEvent>().CountAsync(e => e.State == InboxState.Pending, Ct));
        }
    }

    [Fact]
    public async Task Backup_on_postgres_points_to_pg_dump()
    {
        await using var database = await TestDatabase.CreateAsync("Postgres");
        var dir = Directory.CreateTempSubdirectory("hubix-backup-pg-").FullName;
        var (code, _, error) = await ServeProcess.RunAsync(["backup", Path.Combine(dir, "x.db"), .. database.HostArgs], dir);
        Assert.Equal(2, code);
        Assert.Contains("pg_dump", error, StringComparison.Ordinal);
    }
}

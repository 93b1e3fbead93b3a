using System.Globalization;
using System.Security.Cryptography;
using Hubix.Advisors;
using Hubix.Content;
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

    /// <summary>
    /// The procedure of deploy/README.md on PostgreSQL: <c>pg_dump -Fc</c> of a serving database, <c>pg_restore</c> into an
    /// empty one, start. The day's template already went, so the daily run on the restored database sends nothing again,
    /// and a webhook that was acknowledged but not processed at dump time is processed after the restore.
    /// </summary>
    [Fact]
    public async Task A_pg_dump_restored_into_an_empty_database_sends_no_second_daily_template_and_processes_the_pending_webhook()
    {
        await using var source = await TestDatabase.CreateAsync("Postgres");
        var dir = Directory.CreateTempSubdirectory("hubix-pgdump-").FullName;
        const string phone = "918200000002";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using (var db = source.Open())
        {
            await db.MigrateAsync(NullLogger.Instance, Ct);
            Assert.True((await AdvisorImport.ImportCsvAsync(db, $"phone,name,timezone,language,categories\n+{phone},Meera,Etc/UTC,en,\n", false, DateTime.UtcNow, Ct)).Applied);
            var packDir = Path.Combine(dir, "content", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(packDir);
            await File.WriteAllTextAsync(Path.Combine(packDir, "pack.json"),
                $$"""{"date":"{{today:yyyy-MM-dd}}","items":[{"kind":"post","text":"restored note"}]}""", Ct);
            await PackImport.ImportDirectoryAsync(db, Path.Combine(dir, "content"), DateTime.UtcNow, Ct);
        }

        string[] serve = ["--Hubix:Schedule:Enabled=false", "--Hubix:Agent:EmbeddingModelEnabled=false"];
        await using (var pair = await SandboxPair.StartAsync(source, serve))
        {
            var run = await pair.Hubix.Admin.PostAsync($"/api/daily/send?date={today:yyyy-MM-dd}", null, Ct);
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync(Ct));
            await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(phone)).Count == 1, "the day's template to reach the phone");
        }

        // Acknowledged to Meta, not yet processed when the dump is taken.
        string pendingHash;
        await using (var db = source.Open())
        {
            var body = System.Text.Encoding.UTF8.GetBytes(UnlockKit.Text(phone, "wamid.pgdump.pending", DateTimeOffset.UtcNow, "was pending at dump time"));
            pendingHash = Convert.ToHexStringLower(SHA256.HashData(body));
            await using var ctx = db.CreateDbContext();
            ctx.Add(new InboxEvent
            {
                ReceivedAt = DateTime.UtcNow, BodyHash = pendingHash, Body = body,
                State = InboxState.Pending, NextAttemptAt = DateTime.UtcNow,
            });
            await ctx.SaveChangesAsync(Ct);
        }

        var dump = Path.Combine(dir, "hubix.dump");
        await PgToolAsync("pg_dump", source, ["-Fc", "-f", dump], dir);
        await using var restored = await TestDatabase.CreateAsync("Postgres");
        await PgToolAsync("pg_restore", restored, ["--no-owner", "--exit-on-error", dump], dir);

        await using (var pair = await SandboxPair.StartAsync(restored, serve))
        {
            await HubixTestHost.EventuallyAsync(async () =>
            {
                await using var ctx = pair.Hubix.Db.CreateDbContext();
                return await ctx.Set<Interaction>().AnyAsync(i => i.WaMessageId == "wamid.pgdump.pending", Ct);
            }, "the webhook that was pending at dump time to be processed");
            var run = await pair.Hubix.Admin.PostAsync($"/api/daily/send?date={today:yyyy-MM-dd}", null, Ct);
            var result = System.Text.Json.Nodes.JsonNode.Parse(await run.Content.ReadAsStringAsync(Ct));
            Assert.True(run.IsSuccessStatusCode, result?.ToJsonString());
            Assert.Equal(0, (int?)result?["enqueued"]);
            await using var ctx = pair.Hubix.Db.CreateDbContext();
            Assert.Equal(1, await ctx.Set<Hubix.Delivery.OutboxMessage>().CountAsync(o => o.Purpose == "daily", Ct));
            Assert.NotEqual(InboxState.Pending, (await ctx.Set<InboxEvent>().SingleAsync(e => e.BodyHash == pendingHash, Ct)).State);
            // The phone gets the assistant's answer to the pending text, and no second template.
            Assert.DoesNotContain(await pair.PhoneMessagesAsync(phone), m => (string?)m?["type"] == "template");
        }

        TryDelete(dir);
    }

    /// <summary>pg_dump / pg_restore against a test database (libpq settings from its connection string).</summary>
    private static async Task PgToolAsync(string tool, TestDatabase database, string[] args, string dir)
    {
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
        var psi = new System.Diagnostics.ProcessStartInfo(tool)
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in (string[])["-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username!, "-d", cs.Database!, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        if (!string.IsNullOrEmpty(cs.Password))
        {
            psi.Environment["PGPASSWORD"] = cs.Password;
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        Assert.True(p.ExitCode == 0, $"{tool} exited {p.ExitCode}: {await stderr}");
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans temp.
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

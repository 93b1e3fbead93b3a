using System.Diagnostics;
using Hubix.Data;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Operators;

/// <summary>The real <c>hubix users</c> and <c>hubix serve</c> processes.</summary>
public class UserCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Code, string Out, string Err)> RunAsync(string dir, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "hubix.dll"), .. args,
            "--ConnectionStrings:Hubix=Data Source=" + Path.Combine(dir, "hubix.db"), "--Logging:LogLevel:Default=Warning"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = dir,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Hubix__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteLineAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout, stderr);
    }

    [Fact]
    public async Task Users_add_list_disable_hash_the_password_and_audit_as_cli()
    {
        var dir = Directory.CreateTempSubdirectory("hubix-users-").FullName;
        var (code, output, _) = await RunAsync(dir, "a-password-from-stdin", "users", "add", "ana", "--role", "operator", "--password-stdin");
        Assert.Equal(0, code);
        Assert.DoesNotContain("a-password-from-stdin", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync(dir, null, "users", "add", "bob", "--role", "admin");
        Assert.Equal(0, code);
        var generated = output.Split('\n').Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..].Trim();

        var (bad, _, err) = await RunAsync(dir, null, "users", "add", "eve", "--role", "root");
        Assert.NotEqual(0, bad);
        Assert.Contains("role", err, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(dir, null, "users", "disable", "ana")).Code);
        (code, output, _) = await RunAsync(dir, null, "users", "list");
        Assert.Matches(@"ana\s+operator\s+disabled", output);
        Assert.Matches(@"bob\s+admin\s+active", output);

        await using var db = new HubixDb(DatabaseProvider.Sqlite, "Data Source=" + Path.Combine(dir, "hubix.db"));
        var users = new UserService(db, new FakeTimeProvider(DateTimeOffset.UtcNow));
        Assert.NotNull(await users.VerifyPasswordAsync("BOB", generated, Ct));
        Assert.Null(await users.VerifyPasswordAsync("ana", "a-password-from-stdin", Ct)); // disabled
        Assert.Null(await users.VerifyPasswordAsync("bob", "a-password-from-stdin", Ct));
        await using var ctx = db.CreateDbContext();
        Assert.DoesNotContain(await ctx.Set<UserAccount>().Select(u => u.PasswordHash).ToListAsync(Ct), h => h.Contains(generated, StringComparison.Ordinal));
        var audit = await ctx.Set<AuditEntry>().OrderBy(e => e.Id).Select(e => new { e.Actor, e.Action, e.Target }).ToListAsync(Ct);
        Assert.Equal([("cli", AuditActions.UserAdd, "user:ana"), ("cli", AuditActions.UserAdd, "user:bob"), ("cli", AuditActions.UserDisable, "user:ana")],
            audit.Select(e => (e.Actor, e.Action, e.Target)));
    }

    [Fact]
    public async Task Serve_with_a_short_machine_key_exits_2_naming_the_setting()
    {
        var dir = Directory.CreateTempSubdirectory("hubix-key-").FullName;
        var (code, _, err) = await RunAsync(dir, null, "serve", "--urls=http://127.0.0.1:0",
            "--Hubix:WhatsApp:AppSecret=s", "--Hubix:WhatsApp:VerifyToken=v", "--Hubix:WhatsApp:AccessToken=a",
            "--Hubix:WhatsApp:PhoneNumberId=1", "--Hubix:AdminApiKey=too-short-a-key");
        Assert.Equal(2, code);
        Assert.Contains("Hubix:AdminApiKey must be at least 32 characters", err, StringComparison.Ordinal);
    }
}

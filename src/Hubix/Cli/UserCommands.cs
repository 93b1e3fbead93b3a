using System.CommandLine;
using Hubix.Data;
using Hubix.Hosting;
using Hubix.Operators;

namespace Hubix.Cli;

/// <summary><c>hubix users add|list|disable</c>: the people who sign in, on the server's database (no server needed).</summary>
internal static class UserCommands
{
    /// <summary>The audit trail's actor for changes made from the command line.</summary>
    public const string Actor = "cli";

    public static Command Users()
    {
        var name = new Argument<string>("NAME") { Description = "Sign-in name: letters, digits, '.', '-', '_' or '@'." };
        var role = new Option<string>("--role") { Description = "viewer (reads), operator (also replies, hands back, resends) or admin (everything).", Required = true };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (first line) instead of generating one." };
        var add = new Command("add", "Add a user. Prints a generated password once, unless --password-stdin.") { name, role, stdin };
        add.SetAction(async (result, ct) =>
        {
            string? password = null;
            if (result.GetValue(stdin))
            {
                password = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n');
                if (string.IsNullOrEmpty(password))
                {
                    await Console.Error.WriteLineAsync("hubix: --password-stdin: no password on standard input.");
                    return 2;
                }
            }

            var generated = password is null;
            password ??= UserService.GeneratePassword();
            await using var app = await HostAsync(result, ct);
            try
            {
                var user = await app.Services.GetRequiredService<UserService>().AddAsync(result.GetValue(name)!, result.GetValue(role)!, password, Actor, ct);
                Console.WriteLine($"user {user.Name} added as {user.Role}.");
                if (generated)
                {
                    Console.WriteLine($"password: {password}");
                    Console.WriteLine("(shown once: it is stored only as a PBKDF2 hash)");
                }

                return 0;
            }
            catch (UserChangeException ex)
            {
                await Console.Error.WriteLineAsync("hubix: " + ex.Message);
                return ex.Status == 409 ? 1 : 2;
            }
        });

        var list = new Command("list", "List users, their roles and whether they are disabled.");
        list.SetAction(async (result, ct) =>
        {
            await using var app = await HostAsync(result, ct);
            foreach (var u in await app.Services.GetRequiredService<UserService>().ListAsync(ct))
            {
                Console.WriteLine($"{u.Name,-24} {u.Role,-9} {(u.DisabledAt is { } d ? "disabled " + d.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "active")}");
            }

            return 0;
        });

        var disableName = new Argument<string>("NAME");
        var disable = new Command("disable", "Disable a user: sign-in, their session and their API tokens stop working at once.") { disableName };
        disable.SetAction(async (result, ct) =>
        {
            await using var app = await HostAsync(result, ct);
            try
            {
                var user = await app.Services.GetRequiredService<UserService>().DisableAsync(result.GetValue(disableName)!, Actor, ct);
                Console.WriteLine($"user {user.Name} disabled.");
                return 0;
            }
            catch (UserChangeException ex)
            {
                await Console.Error.WriteLineAsync("hubix: " + ex.Message);
                return 1;
            }
        });

        return new Command("users", "The people who sign in to the dashboard and the API, with roles.") { add, list, disable };
    }

    private static async Task<WebApplication> HostAsync(ParseResult result, CancellationToken ct)
    {
        var app = HubixServer.Create(HubixCli.HostArgs(result));
        var options = app.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.MigrateOnStart)
        {
            await app.Services.GetRequiredService<HubixDb>().MigrateAsync(app.Logger, ct);
        }

        return app;
    }
}

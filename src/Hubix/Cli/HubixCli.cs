using System.CommandLine;
using Hubix.Data;
using Hubix.Hosting;

namespace Hubix.Cli;

/// <summary>
/// The <c>hubix</c> command. Settings come from appsettings.json, <c>Hubix__...</c> environment variables
/// and <c>--Hubix:...=value</c> arguments, which every subcommand passes on to the configuration.
/// </summary>
public static class HubixCli
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Hubix: daily WhatsApp content and an AI assistant for advisors.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Migrate());
        root.Subcommands.Add(SandboxCommands.Sandbox());
        root.Subcommands.Add(SandboxCommands.Demo());
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return root.Parse(args).InvokeAsync();
    }

    /// <summary>The arguments after the subcommand's name: configuration overrides and --urls.</summary>
    internal static string[] HostArgs(ParseResult result) => [.. result.UnmatchedTokens];

    private static Command Serve()
    {
        var command = new Command("serve", "Run the server: webhook, workers, API and dashboard.");
        command.SetAction(async (result, ct) =>
        {
            var app = HubixServer.Create(HostArgs(result));
            var problems = ConfigurationCheck.Problems(app.Configuration);
            if (problems.Count > 0)
            {
                return ConfigError(problems);
            }

            await HubixServer.StartAsync(app, ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static Command Migrate()
    {
        var command = new Command("migrate", "Apply database migrations and exit.");
        command.SetAction(async (result, ct) =>
        {
            var config = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine(HostArgs(result))
                .Build();
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            await using var db = DataExtensions.CreateDb(config);
            await db.MigrateAsync(loggerFactory.CreateLogger("hubix.migrate"), ct);
            return 0;
        });
        return command;
    }

    internal static int ConfigError(IReadOnlyList<string> problems)
    {
        Console.Error.WriteLine("hubix: the configuration is not valid:");
        foreach (var p in problems)
        {
            Console.Error.WriteLine("  - " + p);
        }

        return 2;
    }
}

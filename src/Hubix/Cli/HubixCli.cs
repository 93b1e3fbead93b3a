using System.Globalization;
using System.Diagnostics;
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
        root.Subcommands.Add(Backup());
        root.Subcommands.Add(SandboxCommands.Sandbox());
        root.Subcommands.Add(SandboxCommands.Demo());
        root.Subcommands.Add(FeatureCommands.Advisors());
        root.Subcommands.Add(FeatureCommands.Content());
        root.Subcommands.Add(FeatureCommands.SendDaily());
        root.Subcommands.Add(UserCommands.Users());
        root.Subcommands.Add(Report());
        root.Subcommands.Add(Metrics());
        root.Subcommands.Add(Hubix.Agent.AgentCli.Create());
        root.Subcommands.Add(MetaCommands.Meta());
        root.Subcommands.Add(MetaCommands.Templates());
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
            foreach (var sub in command.Subcommands)
            {
                sub.TreatUnmatchedTokensAsErrors = false;
            }
        }

        return root.Parse(args).InvokeAsync();
    }

    /// <summary>The server's configuration sources (appsettings.json, environment, arguments) for commands that build no host.</summary>
    private static IConfigurationRoot Configuration(ParseResult result) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(HostArgs(result))
        .Build();

    /// <summary>The arguments after the subcommand's name: configuration overrides and --urls.</summary>
    internal static string[] HostArgs(ParseResult result) => [.. result.UnmatchedTokens];

    private static Command Serve()
    {
        var command = new Command("serve", "Run the server: webhook, workers, API and dashboard.");
        command.SetAction(async (result, ct) =>
        {
            WebApplication app;
            try
            {
                app = HubixServer.Create(HostArgs(result));
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                // Options read while the host is built (the machine key's length, the shutdown timeout) fail here.
                return OptionsError(ex);
            }

            var problems = ConfigurationCheck.Problems(app.Configuration);
            if (problems.Count > 0)
            {
                return ConfigError(problems);
            }

            try
            {
                await HubixServer.StartAsync(app, ct);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                return OptionsError(ex);
            }
            catch (Data.ReplicaConflictException ex)
            {
                await Console.Error.WriteLineAsync("hubix: " + ex.Message);
                return 1;
            }

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
            var config = Configuration(result);
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            await using var db = DataExtensions.CreateDb(config);
            await db.MigrateAsync(loggerFactory.CreateLogger("hubix.migrate"), ct);
            if (DashboardZone(config) is not { } zone)
            {
                return ConfigError([$"Hubix:Dashboard:TimeZone is not a known IANA time zone. {ConfigurationCheck.HowToSet("Hubix:Dashboard:TimeZone")}"]);
            }

            await Dashboard.MetricZone.SyncAsync(db, zone, ct);
            return 0;
        });
        return command;
    }

    private static Command Backup()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "Where to write the copy; it must not exist yet." };
        var command = new Command("backup", "Copy the SQLite database to FILE, consistent while hubix serves (VACUUM INTO). PostgreSQL: use pg_dump (deploy/README.md).") { file };
        command.SetAction(async (result, ct) =>
        {
            var config = Configuration(result);
            var target = result.GetValue(file)!;
            await using var db = DataExtensions.CreateDb(config);
            if (db.IsPostgres)
            {
                await Console.Error.WriteLineAsync("hubix: on PostgreSQL back up with pg_dump (pg_dump -Fc -f hubix.dump DBNAME) and restore with pg_restore; deploy/README.md, section Backups, has the steps.");
                return 2;
            }

            if (target.Exists)
            {
                await Console.Error.WriteLineAsync($"hubix: {target.FullName} exists; backup writes a new file only.");
                return 1;
            }

            target.Directory?.Create();
            var started = Stopwatch.GetTimestamp();
            await using (var connection = await db.OpenConnectionAsync(ct))
            await using (var cmd = connection.CreateCommand())
            {
                // One read transaction: a consistent copy while writers go on, compacted, without the WAL.
                cmd.CommandText = "VACUUM INTO @file";
                cmd.CommandTimeout = 0;
                var p = cmd.CreateParameter();
                p.ParameterName = "@file";
                p.Value = target.FullName;
                cmd.Parameters.Add(p);
                await cmd.ExecuteNonQueryAsync(ct);
            }

            target.Refresh();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backed up to {target.FullName}: {target.Length:N0} bytes in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));
            return 0;
        });
        return command;
    }

    private static Command Report()
    {
        var date = new Option<string?>("--date") { Description = "Local date (yyyy-MM-dd) in Hubix:Dashboard:TimeZone; default today." };
        var format = new Option<string>("--format") { Description = "csv or json.", DefaultValueFactory = _ => "csv" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var daily = new Command("daily", "Per-advisor daily report: template sent/delivered/read, tapped at, pack state, messages, chats.")
        {
            date, format, output,
        };
        daily.TreatUnmatchedTokensAsErrors = false;
        daily.SetAction(async (result, ct) =>
        {
            var config = Configuration(result);
            var options = config.GetSection(Dashboard.DashboardOptions.Section).Get<Dashboard.DashboardOptions>() ?? new Dashboard.DashboardOptions();
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone))
            {
                return ConfigError([$"Hubix:Dashboard:TimeZone '{options.TimeZone}' is not a known IANA time zone. {ConfigurationCheck.HowToSet("Hubix:Dashboard:TimeZone")}"]);
            }

            var fmt = result.GetValue(format);
            if (fmt is not ("csv" or "json"))
            {
                await Console.Error.WriteLineAsync("hubix: --format is csv or json.");
                return 2;
            }

            var dateText = result.GetValue(date);
            DateOnly day;
            if (dateText is null)
            {
                day = LocalDay.Today(TimeProvider.System, zone);
            }
            else if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day))
            {
                await Console.Error.WriteLineAsync($"hubix: --date '{dateText}' is not yyyy-MM-dd.");
                return 2;
            }

            await using var db = DataExtensions.CreateDb(config);
            var batches = new Dashboard.DailyReportService(db).BatchesAsync(day, zone, ct);
            var path = result.GetValue(output);
            await using var stream = path is null ? Console.OpenStandardOutput() : File.Create(path);
            if (fmt == "csv")
            {
                await Dashboard.DailyReportService.WriteCsvAsync(stream, day, batches, ct);
            }
            else
            {
                await Dashboard.DailyReportService.WriteJsonAsync(stream, day, options.TimeZone, batches, ReportJson, ct);
            }

            return 0;
        });
        var command = new Command("report", "Reports from the database (no server needed).") { daily };
        return command;
    }

    private static TimeZoneInfo? DashboardZone(IConfiguration config)
    {
        var options = config.GetSection(Dashboard.DashboardOptions.Section).Get<Dashboard.DashboardOptions>() ?? new Dashboard.DashboardOptions();
        return TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone) ? zone : null;
    }

    private static Command Metrics()
    {
        var from = new Option<string?>("--from") { Description = "First local day (yyyy-MM-dd) in Hubix:Dashboard:TimeZone; default the earliest day with data." };
        var to = new Option<string?>("--to") { Description = "Last local day (yyyy-MM-dd); default today." };
        var rebuild = new Command("rebuild", "Recount the dashboard's daily rollups from the raw tables (after a time-zone change, a restore, or to check them).")
        {
            from, to,
        };
        rebuild.TreatUnmatchedTokensAsErrors = false;
        rebuild.SetAction(async (result, ct) =>
        {
            var config = Configuration(result);
            if (DashboardZone(config) is not { } zone)
            {
                return ConfigError([$"Hubix:Dashboard:TimeZone is not a known IANA time zone. {ConfigurationCheck.HowToSet("Hubix:Dashboard:TimeZone")}"]);
            }

            var today = LocalDay.Today(TimeProvider.System, zone);
            if (!TryDay(result.GetValue(to), today, out var last) || !TryDay(result.GetValue(from), null, out var first))
            {
                await Console.Error.WriteLineAsync("hubix: --from and --to are yyyy-MM-dd.");
                return 2;
            }

            await using var db = DataExtensions.CreateDb(config);
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            await db.MigrateAsync(loggerFactory.CreateLogger("hubix.migrate"), ct);
            var start = first ?? await Dashboard.MetricsRebuild.FirstDayAsync(db, zone, ct) ?? last!.Value;
            if (start > last!.Value)
            {
                await Console.Error.WriteLineAsync("hubix: --from is after --to.");
                return 2;
            }

            var done = await new Dashboard.MetricsRebuild(db).RunAsync(start, last.Value, zone, TimeProvider.System, ct);
            Console.WriteLine($"metrics rebuilt: {done.From:yyyy-MM-dd} to {done.To:yyyy-MM-dd} in {zone.Id}, {done.Counters} counters, {done.Took.TotalSeconds:F1} s");
            return 0;
        });
        return new Command("metrics", "The dashboard's metric rollups.") { rebuild };
    }

    private static bool TryDay(string? text, DateOnly? fallback, out DateOnly? day)
    {
        day = fallback;
        if (text is null)
        {
            return true;
        }

        var ok = DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d);
        day = d;
        return ok;
    }

    private static readonly System.Text.Json.JsonSerializerOptions ReportJson = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A feature's own option checks (ValidateOnStart) get the same answer as the configuration check, not a stack trace.</summary>
    internal static int OptionsError(Microsoft.Extensions.Options.OptionsValidationException ex) =>
        ConfigError(ex.Failures.Select(f => f + " Set it in appsettings.json, as an environment variable (':' becomes '__') or as --Key=VALUE.").ToList());

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

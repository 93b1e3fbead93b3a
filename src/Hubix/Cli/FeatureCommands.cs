using System.CommandLine;
using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Hosting;
using Hubix.DailyPack;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Cli;

/// <summary>
/// <c>advisors import|list</c>, <c>content import</c>, <c>send-daily</c>. Each builds the server's host (same
/// registrations and configuration), migrates if configured, and uses its services without starting Kestrel or
/// the workers.
/// </summary>
internal static class FeatureCommands
{
    private static async Task<WebApplication> HostAsync(ParseResult result, CancellationToken ct)
    {
        var app = HubixServer.Create(HubixCli.HostArgs(result));
        var options = app.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.MigrateOnStart)
        {
            await app.Services.GetRequiredService<HubixDb>().MigrateAsync(app.Logger, ct);
        }

        await HubixServer.SyncMetricZoneAsync(app.Services, app.Logger, ct);
        return app;
    }

    public static Command Advisors()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "CSV with header phone,name,timezone,language,categories (categories separated by ';')." };
        var skip = new Option<bool>("--skip-invalid") { Description = "Import the valid rows of a file that has errors (the errors are still listed)." };
        var import = new Command("import", "Import or update advisors from a CSV file. A file with errors imports nothing unless --skip-invalid.") { file, skip };
        import.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"hubix: {path.FullName}: file not found");
                return 1;
            }

            await using var app = await HostAsync(result, ct);
            var time = app.Services.GetRequiredService<TimeProvider>();
            var outcome = await AdvisorImport.ImportCsvAsync(app.Services.GetRequiredService<HubixDb>(), await File.ReadAllTextAsync(path.FullName, ct),
                result.GetValue(skip), time.GetUtcNow().UtcDateTime, ct);
            foreach (var e in outcome.Errors)
            {
                await Console.Error.WriteLineAsync($"{path.Name}: {e}");
            }

            if (!outcome.Applied)
            {
                await Console.Error.WriteLineAsync(outcome.Errors.All(e => e.Row > 1)
                    ? "hubix: nothing imported. Fix the rows above, or pass --skip-invalid to import the valid rows."
                    : "hubix: nothing imported.");
                return 1;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{outcome.Created} created, {outcome.Updated} updated, {outcome.Skipped} invalid row(s) skipped"));
            return 0;
        });

        var list = new Command("list", "List advisors (phone, status, time zone, language, categories, name).");
        list.SetAction(async (result, ct) =>
        {
            await using var app = await HostAsync(result, ct);
            await using var context = app.Services.GetRequiredService<HubixDb>().CreateDbContext();
            var rows = await context.Set<Advisor>().AsNoTracking().Where(a => a.DeletedAt == null).OrderBy(a => a.Phone).ToListAsync(ct);
            Console.WriteLine("phone\tstatus\ttimezone\tlanguage\tcategories\tname");
            foreach (var a in rows)
            {
                Console.WriteLine($"{a.Phone}\t{AdvisorEndpoints.StatusName(a.Status)}\t{a.TimeZone}\t{a.Language}\t{a.Categories}\t{a.Name}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} advisor(s)"));
            return 0;
        });
        return new Command("advisors", "Manage advisors.") { import, list };
    }

    public static Command Content()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Folder with YYYY-MM-DD/pack.json and the media files next to each pack.json." };
        var import = new Command("import", "Import content packs; a pack with the same date and category is replaced.") { dir };
        import.SetAction(async (result, ct) =>
        {
            await using var app = await HostAsync(result, ct);
            var time = app.Services.GetRequiredService<TimeProvider>();
            try
            {
                var requireApproval = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ContentOptions>>().Value.RequireApproval;
                var stored = await PackImport.ImportDirectoryAsync(app.Services.GetRequiredService<HubixDb>(), result.GetValue(dir)!.FullName, time.GetUtcNow().UtcDateTime, ct,
                    actor: "cli", requireApproval: requireApproval);
                var media = stored.SelectMany(s => s.MediaIds).ToList();
                var uploaded = await app.Services.GetRequiredService<MediaUploader>().EnsureUploadedAsync(media, ct);
                foreach (var (folder, id, _) in stored)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{folder}: pack {id}"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{stored.Count} pack(s) imported; {uploaded} of {media.Count} media file(s) uploaded to the Cloud API (the rest are retried before sending)"));
                return 0;
            }
            catch (PackValidationException ex)
            {
                foreach (var p in ex.Problems)
                {
                    await Console.Error.WriteLineAsync("hubix: " + p);
                }

                await Console.Error.WriteLineAsync("hubix: nothing imported.");
                return 1;
            }
        });
        return new Command("content", "Manage the content library.") { import };
    }

    public static Command SendDaily()
    {
        var date = new Option<string?>("--date") { Description = "Pack date YYYY-MM-DD (default: each advisor's local today)." };
        var advisor = new Option<string?>("--advisor") { Description = "Only this advisor's phone." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show who would get which pack; send nothing." };
        var command = new Command("send-daily", "Send the daily template now (still once per advisor and day).") { date, advisor, dryRun };
        command.SetAction(async (result, ct) =>
        {
            DateOnly? d = null;
            if (result.GetValue(date) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    await Console.Error.WriteLineAsync($"hubix: --date '{text}' is not YYYY-MM-DD");
                    return 2;
                }

                d = parsed;
            }

            var phone = result.GetValue(advisor);
            if (phone is not null)
            {
                phone = AdvisorImport.NormalisePhone(phone, out var reason);
                if (phone is null)
                {
                    await Console.Error.WriteLineAsync($"hubix: --advisor {reason}");
                    return 2;
                }
            }

            await using var app = await HostAsync(result, ct);
            var outcome = await app.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("cli", d, phone, result.GetValue(dryRun), Force: true), ct);
            foreach (var p in outcome.Planned)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Phone}\t{p.LocalDate:yyyy-MM-dd}\tpack {p.PackId}\t{p.Category}"));
            }

            foreach (var (reason, count) in outcome.Reasons)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"not sent: {reason}: {count}"));
            }

            if (outcome.Note is not null)
            {
                Console.WriteLine(outcome.Note);
            }

            Console.WriteLine(result.GetValue(dryRun)
                ? string.Create(CultureInfo.InvariantCulture, $"dry run: {outcome.Planned.Count} would be sent")
                : string.Create(CultureInfo.InvariantCulture, $"{outcome.Enqueued} daily template(s) queued for sending"));
            // This host runs no workers: post the alerts the run raised (template stopped, messaging limit) before exiting.
            await app.Services.GetRequiredService<Hubix.AccountHealth.AlertSender>().FlushAsync(ct);
            return 0;
        });
        return command;
    }
}

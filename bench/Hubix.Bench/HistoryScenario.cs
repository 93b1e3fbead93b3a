using System.Diagnostics;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>What a history load did: rows per table, how long, and how fast.</summary>
public sealed record HistoryResult(
    int Advisors, int Days, DateOnly First, DateOnly Last, IReadOnlyDictionary<string, long> Rows, double MigrateSeconds, double LoadSeconds,
    double? RollupSeconds, string? RollupNote)
{
    public long TotalRows => Rows.Values.Sum();
    public long Interactions => Rows.GetValueOrDefault("Interactions");
    public double RowsPerSecond => TotalRows / Math.Max(0.001, LoadSeconds);

    public string Summary =>
        $"{Fmt.N(TotalRows)} rows ({Fmt.N(Interactions)} interactions, {Fmt.N(Rows.GetValueOrDefault("OutboxMessages"))} outbox) in {LoadSeconds:0} s = " +
        $"{Fmt.N(RowsPerSecond)} rows/s";
}

/// <summary>
/// <c>history</c>: the schema by the real migrations (<c>hubix migrate</c>), then <see cref="HistoryGenerator"/>'s rows
/// with bulk inserts, then <c>hubix metrics rebuild</c> over the generated days when hubix has that command.
/// </summary>
public static class History
{
    public static async Task<HistoryResult> PrepareAsync(HubixBinary binary, BenchDb db, int advisors, int days, int seed, string workDir, CancellationToken ct)
    {
        var first = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-days);
        var sw = Stopwatch.StartNew();
        var common = HubixServer.CommonArgs(db, null).ToList();
        await binary.RunCheckedAsync(["migrate", .. common], workDir, TimeSpan.FromMinutes(5), ct);
        var migrate = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"history: schema by hubix migrate in {migrate:0.0} s; generating {days} day(s) from {first:yyyy-MM-dd} for {Fmt.N(advisors)} advisors into {db.Provider}");

        sw.Restart();
        var generator = new HistoryGenerator(advisors, days, first, seed);
        Dictionary<string, long> rows;
        await using (var target = BulkTarget.Create(db.IsPostgres, db.ConnectionString))
        {
            await target.OpenAsync(ct);
            rows = await generator.WriteAsync(target, Console.WriteLine, ct);
        }

        var load = sw.Elapsed.TotalSeconds;
        double? rollup = null;
        string? note = null;
        if (binary.Commands.Contains("metrics"))
        {
            sw.Restart();
            var (code, output) = await HubixBinary.RunAsync(binary.Path,
                ["metrics", "rebuild", "--from", generator.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                 "--to", generator.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. common],
                workDir, TimeSpan.FromMinutes(30), ct);
            if (code == 0)
            {
                rollup = sw.Elapsed.TotalSeconds;
                Console.WriteLine($"history: hubix metrics rebuild in {rollup:0.0} s");
            }
            else
            {
                note = $"hubix metrics rebuild exited {code}";
                Console.WriteLine($"history: warning: {note}: {output.Trim().Split('\n').LastOrDefault()}");
            }
        }
        else
        {
            note = "hubix has no 'metrics' command: no rollups rebuilt";
            Console.WriteLine("history: warning: " + note);
        }

        var result = new HistoryResult(advisors, days, generator.FirstDay, generator.LastDay, rows, migrate, load, rollup, note);
        Console.WriteLine("history: " + string.Join(", ", rows.Select(kv => $"{kv.Key} {Fmt.N(kv.Value)}")));
        Console.WriteLine("history: " + result.Summary);
        return result;
    }
}

/// <summary><c>history --advisors N --days N [--provider sqlite|postgres] (--db PATH | --connection CONN) [--seed N]</c>.</summary>
public sealed class HistoryScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 100_000;
        var days = options.Days ?? 14;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(TimeSpan.FromSeconds(options.Timeout ?? 7200));
        var ct = cts.Token;
        BenchDb db;
        if (options.Provider == "postgres")
        {
            db = BenchDb.Existing(true, options.Connection ?? throw new ArgumentException("history --provider postgres needs --connection CONN (an empty database)"));
        }
        else
        {
            var path = options.DbPath ?? throw new ArgumentException("history needs --db PATH (a new SQLite file)");
            if (File.Exists(path))
            {
                throw new ArgumentException($"{path} exists; history writes a new file");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            db = BenchDb.Existing(false, $"Data Source={path}");
        }

        var binary = await HubixBinary.FindAsync(options, ct);
        await using (db)
        {
            var result = await History.PrepareAsync(binary, db, advisors, days, options.Seed, options.Repo, ct);
            var size = await DbSize.OfAsync(db, ct);
            Console.WriteLine($"history: database {Fmt.MiB(size)}, {size / (double)(advisors * days):0} bytes per advisor-day");
            _ = result;
        }

        return 0;
    }
}

using System.Globalization;
using System.Text;

namespace Hubix.Bench;

/// <summary>Where and on what a run happened: printed with the results and written into the BENCHMARKS.md row.</summary>
public sealed class RunContext
{
    public required string Date { get; init; }
    public required string Commit { get; init; }
    public required string Machine { get; init; }
    public required string LoadAtStart { get; init; }
    public string LoadAtEnd { get; set; } = "";

    public static async Task<RunContext> CaptureAsync(Options options, CancellationToken ct)
    {
        var commit = "unknown";
        try
        {
            var (_, head) = await HubixBinary.RunAsync("git", ["-C", options.Repo, "rev-parse", "--short", "HEAD"], options.Repo, TimeSpan.FromSeconds(10), ct);
            var (_, status) = await HubixBinary.RunAsync("git", ["-C", options.Repo, "status", "--porcelain", "--", "src", "bench"], options.Repo, TimeSpan.FromSeconds(10), ct);
            commit = head.Trim() + (status.Trim().Length > 0 ? "+dirty" : "");
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            // No git: leave "unknown".
        }

        return new RunContext
        {
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Commit = commit,
            Machine = Describe(),
            LoadAtStart = LoadAverage(),
        };
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Describe()
    {
        var mem = "?";
        var os = Environment.OSVersion.ToString();
        try
        {
            var kb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            mem = (long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " GiB";
            var pretty = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            if (pretty is not null)
            {
                os = pretty["PRETTY_NAME=".Length..].Trim('"');
            }
        }
        catch (IOException)
        {
            // Not Linux: keep what .NET says.
        }

        return $"{Environment.ProcessorCount} cores, {mem}, {os}";
    }
}

/// <summary>A result table: printed to the console, and appended as one row to the scenario's table in BENCHMARKS.md.</summary>
public sealed class Report(string scenario, RunContext context, Options options)
{
    private readonly List<(string Name, string Value, string Target, bool? Met)> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(string name, string value, string target = "", bool? met = null) => _rows.Add((name, value, target, met));

    public void Note(string note) => _notes.Add(note);

    public bool AllTargetsMet => _rows.All(r => r.Met != false);

    /// <summary>Prints, records, and returns the scenario's exit code (0 when every target was met).</summary>
    public int Finish()
    {
        Print();
        Record();
        return AllTargetsMet ? 0 : 1;
    }

    public void Print()
    {
        var w1 = Math.Max(6, _rows.Max(r => r.Name.Length));
        var w2 = Math.Max(5, _rows.Max(r => r.Value.Length));
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"{scenario}: {context.Date}, commit {context.Commit}, {context.Machine}, load {context.LoadAtStart} -> {context.LoadAtEnd}");
        sb.AppendLine($"{"metric".PadRight(w1)}  {"value".PadRight(w2)}  target");
        sb.AppendLine($"{new string('-', w1)}  {new string('-', w2)}  ------");
        foreach (var (name, value, target, met) in _rows)
        {
            var mark = met switch { true => "  met", false => "  NOT MET", null => "" };
            sb.AppendLine($"{name.PadRight(w1)}  {value.PadRight(w2)}  {target}{(target.Length > 0 ? mark : "")}");
        }

        foreach (var n in _notes)
        {
            sb.AppendLine("note: " + n);
        }

        Console.WriteLine(sb.ToString());
    }

    /// <summary>Inserts the row above the scenario's <c>&lt;!-- rows:name --&gt;</c> marker (the section is created if missing).</summary>
    public void Record()
    {
        if (!options.Record)
        {
            Console.WriteLine("(not recorded: --no-record)");
            return;
        }

        if (BuildInfo.Configuration != "Release")
        {
            Console.WriteLine("(not recorded: the bench is a Debug build; run with -c Release)");
            return;
        }

        var path = Path.Combine(options.Repo, "BENCHMARKS.md");
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var marker = $"<!-- rows:{scenario} -->";
        var cells = new List<string> { context.Date, context.Commit, context.Machine, $"{context.LoadAtStart} / {context.LoadAtEnd}" };
        cells.AddRange(_rows.Select(r => r.Value + (r.Met == false ? " ✗" : r.Met == true ? " ✓" : "")));
        cells.Add("`" + options.CommandLine + "`");
        var row = "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |";
        if (!text.Contains(marker, StringComparison.Ordinal))
        {
            var header = new List<string> { "date", "commit", "machine", "load avg start / end" };
            header.AddRange(_rows.Select(r => r.Target.Length > 0 ? $"{r.Name} (target {r.Target})" : r.Name));
            header.Add("command");
            text = text.TrimEnd() + $"\n\n### Runs: {scenario}\n\n| {string.Join(" | ", header)} |\n|{string.Concat(Enumerable.Repeat("---|", header.Count))}\n{marker}\n";
        }

        text = text.Replace(marker, row + "\n" + marker, StringComparison.Ordinal);
        File.WriteAllText(path, text);
        Console.WriteLine($"recorded in {path}");
    }
}

using System.Globalization;

namespace Hubix.Bench;

/// <summary>Command-line options shared by the scenarios. Every one has a bounded default.</summary>
public sealed class Options
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/Hubix.Bench -- <scenario> [options]

        scenarios:
          ingest      signed webhook POSTs (30% taps, 10% texts, 60% statuses, 20% duplicates) at the highest
                      rate the machine gives, against hubix and against a bare Kestrel endpoint
          fanout      N advisors, the daily template, sandbox limited to --mps messages/s
          clickstorm  N advisors tap within --tap-window seconds; packs of 6 items
          chaos       fanout + clickstorm with sandbox faults and hubix SIGKILLed every --kill-every seconds
          agent       the agent evaluation sets through the webhook, end to end, with the agent's own time per message
                      by language (en, hi, hi-Latn) and the memory of the language models (`hubix agent footprint`)
          history     generate --days of realistic history for --advisors into an SQLite file (--db) or a PostgreSQL
                      database (--provider postgres --connection CONN), with bulk inserts, deterministic by --seed
          replicas    PostgreSQL (--postgres), three `hubix serve` replicas behind a round-robin webhook proxy: the fan-out
                      with 1, 2 and 3 replicas (the rate must stay at the limit), then the fan-out, --taps taps and
                      --chats texts while one replica is SIGKILLed every --kill-every seconds (mps: 250 unless given)
          day         a live day on top of --history-days of generated history (or a --db prepared by history): the
                      advisors re-imported through the CSV API, the daily fan-out, taps and chats while a client polls
                      the dashboard API and holds the live WebSocket open
          webapp      the operator's web app in Debian's chromium (Playwright) on --advisors (100,000) with --history-days
                      (3) of generated history or a --db written by history: the time from a keystroke or click to the
                      rows drawn, for the advisors search and pages, the inbox tabs and pages, a conversation opened;
                      --taps N sets the rounds (30)

        options:
          --seconds N          load duration (ingest: 30)
          --warmup N           warm-up seconds before measuring (ingest: 3)
          --concurrency N      concurrent connections of the load client (ingest: 64)
          --advisors N         advisors (fanout: 10000, clickstorm: 2000, chaos: 2000)
          --mps N              sandbox throughput limit, messages/s (1000)
          --tap-window N       seconds over which the taps are spread (clickstorm: 10)
          --kill-every N       seconds between SIGKILLs of hubix (chaos: 20)
          --timeout N          hard bound of the whole scenario in seconds (default per scenario)
          --postgres CONN      run hubix on PostgreSQL (a fresh database is created on CONN and dropped)
          --seed N             random seed (1)
          --days N             history: days of history (14)
          --history-days N     day: days of history generated before the live day (14; 0 for none); webapp: (3)
          --db PATH            history: the SQLite file to write; day: a file written by history, copied and used
          --connection CONN    history: the PostgreSQL database to write (with --provider postgres);
                               day: a PostgreSQL database written by history, copied (CREATE DATABASE ... TEMPLATE) and used
          --provider P         history: sqlite (default) or postgres
          --tap-minutes N      day: minutes over which the taps and chats are spread (5; the real day spreads them over 10)
          --taps N             day: advisors who tap (30% of --advisors); replicas: 2000
          --chats N            day: advisors who write a text (2% of --advisors); replicas: 200
          --set S              agent: en (agent-eval.jsonl, the table "agent"), i18n (agent-eval-i18n.jsonl) or all
                               (both; default); i18n and all record in the table "agent-languages"
          --no-record          do not append a row to BENCHMARKS.md
          --keep               keep the temp directory (database, logs) for inspection
          --repo DIR           repository root (default: found from the working directory)
          --hubix-arg X        extra configuration for hubix serve, repeatable (e.g. --hubix-arg --Hubix:Delivery:Concurrency=512)
          --hubix-bin PATH     run this hubix executable (hubix serve and hubix sandbox) instead of src/Hubix/bin/Release
                               (e.g. a `dotnet publish -r linux-x64` output, which is what deploy/README.md ships)
        """;

    public required string Scenario { get; init; }
    public int? Seconds { get; init; }
    public int Warmup { get; init; } = 3;
    public int? Concurrency { get; init; }
    public int? Advisors { get; init; }
    public double Mps { get; init; } = 1000;
    public double TapWindow { get; init; } = 10;
    public int KillEvery { get; init; } = 20;
    public int? Timeout { get; init; }
    public string? Postgres { get; init; }
    public int Seed { get; init; } = 1;
    public bool Record { get; init; } = true;
    public bool Keep { get; init; }
    public required string Repo { get; init; }
    public IReadOnlyList<string> HubixExtra { get; init; } = [];
    public int? Days { get; init; }
    public int? HistoryDays { get; init; }
    public string? DbPath { get; init; }
    public string? Connection { get; init; }
    public string Provider { get; init; } = "sqlite";
    public double TapMinutes { get; init; } = 5;
    public int? Taps { get; init; }
    public int? Chats { get; init; }

    /// <summary>agent: which evaluation sets to send (en, i18n, all).</summary>
    public string AgentSet { get; init; } = "all";

    /// <summary>A hubix executable to run instead of the Release build output (e.g. a ReadyToRun publish).</summary>
    public string? HubixBinary { get; init; }

    /// <summary>The original arguments after the scenario name, for the "command to reproduce" column.</summary>
    public required string CommandLine { get; init; }

    private static readonly string[] Scenarios = ["ingest", "fanout", "clickstorm", "chaos", "agent", "history", "day", "replicas", "webapp"];

    public static Options Parse(string[] args)
    {
        var scenario = args[0];
        if (!Scenarios.Contains(scenario, StringComparer.Ordinal))
        {
            throw new ArgumentException($"unknown scenario '{scenario}'");
        }

        int? seconds = null, concurrency = null, advisors = null, timeout = null;
        int warmup = 3, killEvery = 20, seed = 1;
        double? mps = null;
        double tapWindow = 10;
        string? postgres = null, repo = null, hubixBinary = null, dbPath = null, connection = null;
        string provider = "sqlite";
        int? days = null, historyDays = null, taps = null, chats = null;
        double tapMinutes = 5;
        bool record = true, keep = false;
        var agentSet = "all";
        var hubixExtra = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            int NextInt(int min, int max)
            {
                var v = Next();
                return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{a} must be a whole number from {min} to {max} (was '{v}')");
            }

            double NextDouble(double min, double max)
            {
                var v = Next();
                return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{a} must be a number from {min} to {max} (was '{v}')");
            }

            switch (a)
            {
                case "--seconds": seconds = NextInt(1, 600); break;
                case "--warmup": warmup = NextInt(0, 60); break;
                case "--concurrency": concurrency = NextInt(1, 2048); break;
                case "--advisors": advisors = NextInt(1, 200_000); break;
                case "--mps": mps = NextDouble(1, 100_000); break;
                case "--tap-window": tapWindow = NextDouble(0.1, 600); break;
                case "--kill-every": killEvery = NextInt(2, 600); break;
                case "--timeout": timeout = NextInt(10, 7200); break;
                case "--postgres": postgres = Next(); break;
                case "--seed": seed = NextInt(0, int.MaxValue); break;
                case "--no-record": record = false; break;
                case "--keep": keep = true; break;
                case "--repo": repo = Next(); break;
                case "--hubix-arg": hubixExtra.Add(Next()); break;
                case "--hubix-bin": hubixBinary = Next(); break;
                case "--days": days = NextInt(1, 400); break;
                case "--history-days": historyDays = NextInt(0, 400); break;
                case "--db": dbPath = Path.GetFullPath(Next()); break;
                case "--connection": connection = Next(); break;
                case "--provider":
                    provider = Next().ToLowerInvariant();
                    if (provider is not ("sqlite" or "postgres"))
                    {
                        throw new ArgumentException("--provider is sqlite or postgres");
                    }

                    break;
                case "--tap-minutes": tapMinutes = NextDouble(0.05, 60); break;
                case "--taps": taps = NextInt(0, 1_000_000); break;
                case "--chats": chats = NextInt(0, 1_000_000); break;
                case "--set":
                    agentSet = Next().ToLowerInvariant();
                    if (agentSet is not ("en" or "i18n" or "all"))
                    {
                        throw new ArgumentException("--set is en, i18n or all");
                    }

                    break;
                default: throw new ArgumentException($"unknown option '{a}'");
            }
        }

        repo ??= FindRepo(Directory.GetCurrentDirectory()) ?? FindRepo(AppContext.BaseDirectory)
            ?? throw new ArgumentException("could not find the repository root (Hubix.slnx); pass --repo");

        // `dotnet run --project` runs in the project folder, so a relative --hubix-bin is taken from the repository root.
        if (hubixBinary is not null && !Path.IsPathRooted(hubixBinary))
        {
            hubixBinary = Path.GetFullPath(Path.Combine(repo, hubixBinary));
        }

        // The reproduce command never shows the connection string (it may hold a password).
        var shown = args.Select((s, i) => i > 0 && args[i - 1] is "--postgres" or "--connection" ? "<connstring>" : s);
        return new Options
        {
            Scenario = scenario, Seconds = seconds, Warmup = warmup, Concurrency = concurrency, Advisors = advisors,
            // 2 cores run three replicas, PostgreSQL and the sandbox in this scenario: its default limit is one they can hold.
            Mps = mps ?? (scenario == "replicas" ? 250 : 1000),
            TapWindow = tapWindow, KillEvery = killEvery, Timeout = timeout, Postgres = postgres, Seed = seed, Record = record,
            Keep = keep, Repo = repo, HubixExtra = hubixExtra, HubixBinary = hubixBinary,
            Days = days, HistoryDays = historyDays, DbPath = dbPath, Connection = connection, Provider = provider,
            TapMinutes = tapMinutes, Taps = taps, Chats = chats, AgentSet = agentSet,
            CommandLine = "dotnet run -c Release --project bench/Hubix.Bench -- " + string.Join(' ', shown),
        };
    }

    private static string? FindRepo(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hubix.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

/// <summary>A part the scenario needs has not been merged yet; the message says which.</summary>
public sealed class NotAvailableException(string what) : Exception(what);

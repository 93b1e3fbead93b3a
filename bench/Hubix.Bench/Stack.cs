using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Hubix.Bench;

/// <summary>
/// Hubix + the sandbox as two processes, wired to each other on loopback, with N advisors imported and one pack
/// of <see cref="PackItems"/> text items for <see cref="PackDate"/>. Used by fanout, clickstorm and chaos.
/// </summary>
public sealed class Stack : IAsyncDisposable
{
    public const int PackItems = 6;
    public const string ItemMarker = "[bench item ";

    private readonly WorkDir _work;
    private readonly BenchDb _db;

    private Stack(Options options, HubixBinary binary, WorkDir work, BenchDb db, SandboxServer sandbox, IReadOnlyList<HubixServer> replicas,
        RoundRobinProxy? proxy, IReadOnlyList<string> phones, DateOnly date)
    {
        Options = options;
        Binary = binary;
        _work = work;
        _db = db;
        Sandbox = sandbox;
        Replicas = replicas;
        Proxy = proxy;
        Phones = phones;
        PackDate = date;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        // The sandbox's control POSTs (faults, taps, texts) need it; Hubix ignores it.
        Http.DefaultRequestHeaders.Add("X-Sandbox-Control", "1");
    }

    public Options Options { get; }
    public HubixBinary Binary { get; }
    public SandboxServer Sandbox { get; }
    /// <summary>The first (or only) replica.</summary>
    public HubixServer Hubix => Replicas[0];

    /// <summary>Every <c>hubix serve</c> of the run, on one database (the replicas scenario runs three).</summary>
    public IReadOnlyList<HubixServer> Replicas { get; }

    /// <summary>With several replicas: what the sandbox's webhooks go through, round-robin.</summary>
    public RoundRobinProxy? Proxy { get; }
    public BenchDb Db => _db;
    public IReadOnlyList<string> Phones { get; }
    public DateOnly PackDate { get; }
    public HttpClient Http { get; }
    public string WorkPath => _work.Path;

    /// <summary>What the scenario gave <c>hubix serve</c>; the CLI's send-daily gets the same (its limits apply there).</summary>
    public IReadOnlyList<string> ServeArgs { get; private init; } = [];

    /// <param name="prepare">Runs on the new database before anything is imported (the day scenario writes its history there).</param>
    /// <param name="importAdvisors">Imports advisors.csv with the CLI; when false the file is only written (the day scenario imports it through the API).</param>
    /// <param name="pgTemplate">PostgreSQL: create the run's database as a copy of this one.</param>
    /// <param name="replicas">How many <c>hubix serve</c> to run on the database; more than one needs PostgreSQL and puts a round-robin proxy before them.</param>
    /// <param name="packDates">Days that get the bench pack (default: today only).</param>
    public static async Task<Stack> StartAsync(
        Options options, string scenario, int advisors, TimeSpan bound, IEnumerable<string> sandboxArgs, IEnumerable<string> hubixArgs, CancellationToken ct,
        Func<BenchDb, HubixBinary, string, CancellationToken, Task>? prepare = null, bool importAdvisors = true, string? pgTemplate = null,
        int replicas = 1, IReadOnlyList<DateOnly>? packDates = null)
    {
        var binary = await HubixBinary.FindAsync(options, ct);
        binary.Require("sandbox", "advisors", "content", "send-daily");
        var work = new WorkDir(scenario, options.Keep);
        var db = await BenchDb.CreateAsync(options, work.Path, ct, pgTemplate);
        if (prepare is not null)
        {
            try
            {
                await prepare(db, binary, work.Path, ct);
            }
            catch
            {
                await db.DisposeAsync();
                work.Dispose();
                throw;
            }
        }

        var date = DateOnly.FromDateTime(DateTime.UtcNow);

        // Advisors: +91 70000 00000 upwards, in UTC so "today" is the same date everywhere.
        var csv = new StringBuilder("phone,name,timezone,language,categories\n");
        var phones = new List<string>(advisors);
        for (var i = 0; i < advisors; i++)
        {
            var phone = (917_000_000_000L + i).ToString(CultureInfo.InvariantCulture);
            phones.Add(phone);
            csv.Append(CultureInfo.InvariantCulture, $"+{phone},Advisor {i},Etc/UTC,en,\n");
        }

        await File.WriteAllTextAsync(work.File("advisors.csv"), csv.ToString(), ct);
        foreach (var day in packDates ?? [date])
        {
            var packDir = Path.Combine(work.Path, "content", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(packDir);
            var items = Enumerable.Range(1, PackItems).Select(k => new { kind = "post", text = $"{ItemMarker}{k}/{PackItems}] Market note {k} for {{name}}." });
            await File.WriteAllTextAsync(Path.Combine(packDir, "pack.json"),
                JsonSerializer.Serialize(new { date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), description = "bench pack", items }), ct);
        }

        if (replicas > 1 && !db.IsPostgres)
        {
            throw new ArgumentException("several replicas need PostgreSQL (--postgres CONN): hubix refuses a second serve on one SQLite file");
        }

        // Ports first: each side needs the other's address.
        var ports = Enumerable.Range(0, replicas).Select(_ => Children.FreePort()).ToList();
        var proxy = replicas > 1 ? new RoundRobinProxy(ports.Select(p => new Uri($"http://127.0.0.1:{p}/webhook")).ToList()) : null;
        var webhook = proxy?.Webhook ?? new Uri($"http://127.0.0.1:{ports[0]}/webhook");
        var sandbox = new SandboxServer(binary, work.Path, webhook, bound, sandboxArgs);
        var servers = ports.Select((p, i) => new HubixServer(binary, db, work.Path, bound, hubixArgs, graph: sandbox.BaseAddress, port: p,
            name: replicas > 1 ? $"hubix-{i + 1}" : "hubix")).ToList();
        var stack = new Stack(options, binary, work, db, sandbox, servers, proxy, phones, date) { ServeArgs = [.. hubixArgs] };
        try
        {
            if (proxy is not null)
            {
                await proxy.StartAsync(ct);
            }

            await sandbox.StartAsync(ct);
            var common = HubixServer.CommonArgs(db, sandbox.BaseAddress).ToList();
            var sw = Stopwatch.StartNew();
            if (importAdvisors)
            {
                Console.WriteLine(Last(await binary.RunCheckedAsync(["advisors", "import", work.File("advisors.csv"), .. common], work.Path, TimeSpan.FromMinutes(5), ct)));
            }

            Console.WriteLine(Last(await binary.RunCheckedAsync(["content", "import", Path.Combine(work.Path, "content"), .. common], work.Path, TimeSpan.FromMinutes(2), ct)));
            Console.WriteLine($"setup: {(importAdvisors ? advisors + " advisors and " : "")}a pack of {PackItems} imported in {sw.Elapsed.TotalSeconds:0.0} s");
            foreach (var server in servers)
            {
                await server.StartAsync(ct);
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private static string Last(string output) => output.Trim().Split('\n').LastOrDefault() ?? "";

    /// <summary>Configuration hubix gets in these scenarios: the number's tier, and no scheduler of its own.</summary>
    public static IEnumerable<string> HubixArgs(Options options) =>
    [
        $"--Hubix:WhatsApp:MessagesPerSecond={options.Mps.ToString(CultureInfo.InvariantCulture)}",
        // The bench decides when the daily template goes out (send-daily), not the 05:00 scheduler.
        "--Hubix:Schedule:Enabled=false",
        // The sandbox's number is on TIER_2K (2,000 business-initiated conversations a day): the scenarios measure
        // throughput, not the daily messaging limit, which would skip all but 2,000 templates.
        "--Hubix:WhatsApp:MessagingLimit=-1",
        .. options.HubixExtra,
    ];

    /// <summary>The sandbox at the same tier; Meta delivers webhooks concurrently, so the sandbox does too.</summary>
    public static IEnumerable<string> SandboxArgs(Options options) =>
    [
        $"--Hubix:Sandbox:MessagesPerSecond={options.Mps.ToString(CultureInfo.InvariantCulture)}",
        "--Hubix:Sandbox:Webhooks:Concurrency=64",
        "--Hubix:Sandbox:DisplayPhoneNumber=15550783881",
    ];

    /// <summary>Runs <c>hubix send-daily --date</c> (a separate process, like an operator or cron); returns how many it queued.</summary>
    public async Task<int> SendDailyAsync(CancellationToken ct, DateOnly? date = null)
    {
        var output = await Binary.RunCheckedAsync(
            ["send-daily", "--date", (date ?? PackDate).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. HubixServer.CommonArgs(_db, Sandbox.BaseAddress), .. ServeArgs],
            _work.Path, TimeSpan.FromMinutes(5), ct);
        var line = output.Split('\n').FirstOrDefault(l => l.Contains("daily template(s) queued", StringComparison.Ordinal)) ?? "";
        var reasons = string.Join("; ", output.Split('\n').Where(l => l.StartsWith("not sent", StringComparison.Ordinal)));
        if (reasons.Length > 0)
        {
            Console.WriteLine("send-daily: " + reasons);
        }

        return int.TryParse(line.Trim().Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    public async Task<JsonElement> SandboxStatsAsync(CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Sandbox.BaseAddress, "/_sandbox/stats"), ct));
        return doc.RootElement.Clone();
    }

    public static long Get(JsonElement stats, string name) =>
        stats.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    public static long Rejected(JsonElement stats, int code) =>
        stats.TryGetProperty("rejected", out var r) && r.ValueKind == JsonValueKind.Object && r.TryGetProperty(code.ToString(CultureInfo.InvariantCulture), out var v)
            ? v.GetInt64()
            : 0;

    public async Task SetFaultsAsync(object faults, CancellationToken ct)
    {
        using var r = await Http.PostAsJsonAsync(new Uri(Sandbox.BaseAddress, "/_sandbox/faults"), faults, ct);
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /_sandbox/faults: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Taps the first button of a message on a phone; returns the inbound wamid the sandbox created (null on failure).</summary>
    public async Task<(int Status, string? Id)> TapAsync(string phone, string messageId, CancellationToken ct)
    {
        using var r = await Http.PostAsJsonAsync(new Uri(Sandbox.BaseAddress, $"/_sandbox/phones/{phone}/tap"), new { messageId, button = 0 }, ct);
        if (!r.IsSuccessStatusCode)
        {
            return ((int)r.StatusCode, null);
        }

        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct));
        return ((int)r.StatusCode, doc.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null);
    }

    /// <summary>What a phone received (business → phone), in order: the ground truth of what the advisor saw.</summary>
    public async Task<List<(string Type, string? Text, DateTimeOffset At)>> ReceivedAsync(string phone, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Sandbox.BaseAddress, $"/_sandbox/phones/{phone}/messages"), ct));
        var list = new List<(string, string?, DateTimeOffset)>();
        foreach (var m in doc.RootElement.EnumerateArray())
        {
            var dir = m.TryGetProperty("direction", out var d) ? d.GetString() : "out";
            if (dir != "out")
            {
                continue;
            }

            list.Add((m.GetProperty("type").GetString() ?? "", m.TryGetProperty("text", out var t) ? t.GetString() : null,
                m.TryGetProperty("at", out var at) ? at.GetDateTimeOffset() : default));
        }

        return list;
    }

    /// <summary>Outbox rows as hubix stored them (those with an id above <paramref name="afterId"/>: the day scenario skips its history).</summary>
    public async Task<List<OutboxRow>> OutboxAsync(CancellationToken ct, long afterId = 0) => await _db.QueryAsync(
        "SELECT \"Id\", \"Recipient\", \"Kind\", \"Purpose\", \"GroupKey\", \"Position\", \"State\", \"Attempts\", \"AcceptedAt\", \"DeliveredAt\", \"ReadAt\", \"WaMessageId\", \"ErrorReason\" FROM \"OutboxMessages\"" +
        (afterId > 0 ? $" WHERE \"Id\" > {afterId}" : ""),
        r => new OutboxRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7),
            Utc(r, 8), Utc(r, 9), Utc(r, 10), r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12)),
        ct);

    /// <summary>When hubix stored the first webhook body carrying a message from each phone (hubix's own clock).</summary>
    public async Task<Dictionary<string, DateTime>> FirstInboundReceivedAsync(CancellationToken ct)
    {
        var received = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        // Priority 0: the bodies that carry users' messages (hubix marks them when it stores them).
        var rows = await _db.QueryAsync("SELECT \"Body\", \"ReceivedAt\" FROM \"InboxEvents\" WHERE \"Priority\" = 0", r => ((byte[])r.GetValue(0), Utc(r, 1)!.Value), ct);
        foreach (var (body, at) in rows)
        {
            foreach (var m in global::Hubix.WhatsApp.Webhooks.WebhookParser.Parse(body).Events.OfType<global::Hubix.WhatsApp.Webhooks.InboundMessage>())
            {
                if (m.From is { } from && (!received.TryGetValue(from, out var seen) || at < seen))
                {
                    received[from] = at;
                }
            }
        }

        return received;
    }

    private static DateTime? Utc(System.Data.Common.DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc);

    /// <summary>Polls until the condition holds or the bound runs out; returns whether it held.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan bound, CancellationToken ct, int pollMs = 200)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < bound)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(pollMs, ct);
        }

        return await condition();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        foreach (var server in Replicas)
        {
            if (server.Process is { HasExited: false } p)
            {
                await p.StopAsync(TimeSpan.FromSeconds(10));
            }

            server.Dispose();
        }

        Sandbox.Dispose();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await _db.DisposeAsync();
        _work.Dispose();
    }
}

public sealed record OutboxRow(
    long Id, string Recipient, string Kind, string Purpose, string? GroupKey, int Position, int State, int Attempts,
    DateTime? AcceptedAt, DateTime? DeliveredAt, DateTime? ReadAt, string? WaMessageId, string? ErrorReason)
{
    public const int Queued = 0, Sending = 1, Accepted = 2, Sent = 3, Delivered = 4, Read = 5, Failed = 9;
}

/// <summary>CPU and peak memory of a process over a window, sampled from /proc every 200 ms.</summary>
public sealed class CpuWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<(double CpuSeconds, long RssBytes, long PeakRssBytes)?> _sample;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _cpu0 = double.NaN;
    private double _cpuLast = double.NaN;
    private long _peak;

    public CpuWatch(Func<(double CpuSeconds, long RssBytes, long PeakRssBytes)?> sample)
    {
        _sample = sample;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Take();
                try
                {
                    await Task.Delay(200, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    private void Take()
    {
        if (_sample() is { } s)
        {
            if (double.IsNaN(_cpu0))
            {
                _cpu0 = s.CpuSeconds;
            }

            _cpuLast = s.CpuSeconds;
            _peak = Math.Max(_peak, Math.Max(s.RssBytes, s.PeakRssBytes));
        }
    }

    /// <summary>Average CPU over the window in cores (1.0 = one core busy).</summary>
    public double Cores => (_cpuLast - _cpu0) / Math.Max(0.001, _clock.Elapsed.TotalSeconds);

    public double CpuSeconds => _cpuLast - _cpu0;
    public long PeakRss => _peak;

    public async ValueTask DisposeAsync()
    {
        Take();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

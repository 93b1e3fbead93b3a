using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Hubix.Bench;

/// <summary>
/// Scenario <c>day</c> (issue 13): a live day on top of --history-days of generated history. The advisors are imported
/// through the CSV API (they exist in the history: an update of every row, as a daily CRM sync does), the daily
/// template goes out through POST /api/daily/send with the sandbox at --mps, then --taps advisors tap and --chats advisors
/// write a text over --tap-minutes, while one client polls every dashboard read and holds the live WebSocket open.
/// </summary>
public sealed class DayScenario(Options options)
{
    private static readonly string[] Questions =
    [
        "What is the market outlook for today?", "Can you resend yesterday's post?", "Which fund is best for a 5 year SIP?",
        "How do I share this with my clients?", "Thanks!", "What are the tax rules for ELSS?", "Please send the video again",
    ];

    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 100_000;
        var historyDays = options.HistoryDays ?? 14;
        var tapCount = Math.Min(advisors, options.Taps ?? advisors * 3 / 10);
        var chatCount = Math.Min(advisors, options.Chats ?? advisors / 50);
        var window = options.TapMinutes * 60;
        var generate = options.DbPath is null && options.Connection is null ? advisors * (double)historyDays / 8000 : 60;
        var bound = TimeSpan.FromSeconds(options.Timeout ??
            (int)(generate + advisors / options.Mps * 10 + window + tapCount * (Stack.PackItems + 1) / options.Mps * 4 + 900));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);

        HistoryResult? history = null;
        string? template = null;
        if (options.Connection is not null)
        {
            template = new Npgsql.NpgsqlConnectionStringBuilder(options.Connection).Database
                ?? throw new ArgumentException("--connection must name the database written by history");
            if (options.Postgres is null)
            {
                throw new ArgumentException("day --connection CONN also needs --postgres ADMIN-CONN (the run works on a copy)");
            }
        }

        async Task Prepare(BenchDb db, HubixBinary binary, string work, CancellationToken token)
        {
            if (options.DbPath is { } path)
            {
                // A copy: the live day writes into it, and a day can be sent only once.
                var sw = Stopwatch.StartNew();
                File.Copy(path, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.ConnectionString).DataSource);
                Console.WriteLine($"day: copied {path} in {sw.Elapsed.TotalSeconds:0.0} s");
            }
            else if (template is null)
            {
                history = historyDays > 0
                    ? await History.PrepareAsync(binary, db, advisors, historyDays, options.Seed, work, token)
                    : null;
            }
        }

        await using var stack = await Stack.StartAsync(options, "day", advisors, bound, Stack.SandboxArgs(options), Stack.HubixArgs(options), ct,
            Prepare, importAdvisors: false, pgTemplate: template);
        var today = stack.PackDate;
        var live = await stack.Db.ScalarAsync("SELECT COALESCE(MAX(\"Id\"), 0) FROM \"OutboxMessages\"", ct);
        var interactionsBefore = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"Interactions\"", ct);
        var historyDaysFound = (int)await stack.Db.ScalarAsync($"SELECT COUNT(*) FROM \"ContentPacks\" WHERE \"Date\" < '{today:yyyy-MM-dd}'", ct);
        Console.WriteLine($"day: {Fmt.N(advisors)} advisors, {historyDaysFound} day(s) of history ({Fmt.N(interactionsBefore)} interactions), {stack.Db.Provider}, " +
            $"load {context.LoadAtStart}; work dir {stack.WorkPath}");

        var api = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 4 })
        {
            BaseAddress = stack.Hubix.BaseAddress, Timeout = TimeSpan.FromMinutes(20),
        };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchSecrets.AdminKey);
        using var _ = api;

        var cpu = new CpuWatch(stack.Hubix.Sample);
        var sandboxCpu = new CpuWatch(stack.Sandbox.Sample);

        // 1. The advisors through the CSV API.
        var sw = Stopwatch.StartNew();
        using (var body = new StringContent(await File.ReadAllTextAsync(Path.Combine(stack.WorkPath, "advisors.csv"), ct), Encoding.UTF8, "text/csv"))
        using (var r = await api.PostAsync(new Uri("/api/advisors/import", UriKind.Relative), body, ct))
        {
            var text = await r.Content.ReadAsStringAsync(ct);
            if (!r.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /api/advisors/import: {(int)r.StatusCode} {text[..Math.Min(500, text.Length)]}");
            }

            Console.WriteLine($"day: CSV import {text[..Math.Min(200, text.Length)]}");
        }

        var importSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"day: {Fmt.N(advisors)} advisors imported through the API in {importSeconds:0.0} s");

        // 2. The dashboard client, for the rest of the day.
        var phones = stack.Phones;
        using var pollStop = new CancellationTokenSource();
        var poller = new DashboardPoller(api, today, phones, options.Seed);
        var polling = poller.RunAsync(pollStop.Token);
        var socket = new LiveSocketClient(new Uri($"ws://127.0.0.1:{stack.Hubix.Port}/ws"), BenchSecrets.AdminKey);
        var socketTask = socket.RunAsync(pollStop.Token);

        // 3. The daily fan-out (the sandbox's counter read first: hubix sends while the API call is still enqueueing).
        var accepted0 = Stack.Get(await stack.SandboxStatsAsync(ct), "accepted");
        sw.Restart();
        int queued;
        using (var r = await api.PostAsync(new Uri($"/api/daily/send?date={today:yyyy-MM-dd}", UriKind.Relative), null, ct))
        {
            var text = await r.Content.ReadAsStringAsync(ct);
            if (!r.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /api/daily/send: {(int)r.StatusCode} {text[..Math.Min(500, text.Length)]}");
            }

            using var doc = JsonDocument.Parse(text);
            queued = doc.RootElement.GetProperty("enqueued").GetInt32();
        }

        var enqueueSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"day: send queued {Fmt.N(queued)} templates in {enqueueSeconds:0.0} s");
        var allAccepted = await Stack.UntilAsync(async () =>
            Stack.Get(await stack.SandboxStatsAsync(ct), "accepted") - accepted0 >= queued, TimeSpan.FromSeconds(queued / options.Mps * 3 + 120), ct, pollMs: 250);
        var templates = (await stack.OutboxAsync(ct, live)).Where(r => r.Purpose == "daily" && r.WaMessageId is not null).ToList();
        var times = templates.Where(r => r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).Order().ToList();
        var span = times.Count > 1 ? (times[^1] - times[0]).TotalSeconds : double.NaN;
        var rate = times.Count > 1 ? (times.Count - 1) / span : double.NaN;
        Console.WriteLine($"day: {Fmt.N(templates.Count)} templates accepted, {Fmt.N(rate)} msg/s (first→last accept), fan-out done in {sw.Elapsed.TotalSeconds:0} s");

        // 4. Taps and chats over the window.
        var rnd = new Random(options.Seed);
        var tapTargets = templates.OrderBy(_ => rnd.Next()).Take(tapCount)
            .ToDictionary(r => r.Recipient.TrimStart('+'), r => r.WaMessageId!, StringComparer.Ordinal);
        var chatters = phones.OrderBy(_ => rnd.Next()).Take(chatCount).ToList();
        Console.WriteLine($"day: {Fmt.N(tapTargets.Count)} taps and {Fmt.N(chatters.Count)} chats over {window:0} s");
        var chatting = ChatAsync(stack, chatters, window, options.Seed, ct);
        var taps = await Storm.TapAllAsync(stack, tapTargets, window, options.Seed, ct);
        var chatsSent = await chatting;
        var tapped = taps.Values.Count(t => t.Id is not null);
        Console.WriteLine($"day: taps {Fmt.N(tapped)} of {Fmt.N(taps.Count)} and chats {Fmt.N(chatsSent)} of {Fmt.N(chatters.Count)} accepted by the sandbox");

        // 5. Every pack delivered (or failed), bounded.
        List<OutboxRow> packRows = [];
        var settled = await Stack.UntilAsync(async () =>
        {
            packRows = (await stack.OutboxAsync(ct, live)).Where(r => r.GroupKey is not null).ToList();
            return packRows.Count >= tapped * Stack.PackItems && packRows.All(r => r.State is OutboxRow.Delivered or OutboxRow.Read or OutboxRow.Failed);
        }, TimeSpan.FromSeconds(tapped * Stack.PackItems / options.Mps * 3 + 120), ct, pollMs: 2000);
        var (firstAccepted, _, hubixShare) = Storm.Latencies(taps, packRows, await stack.FirstInboundReceivedAsync(ct));
        var agentReplies = (int)await stack.Db.ScalarAsync($"SELECT COUNT(*) FROM \"OutboxMessages\" WHERE \"Id\" > {live} AND \"Purpose\" = 'agent'", ct);

        await pollStop.CancelAsync();
        await polling;
        await socketTask;
        await cpu.DisposeAsync();
        await sandboxCpu.DisposeAsync();
        var size = await DbSize.OfAsync(stack.Db, ct);
        var interactions = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"Interactions\"", ct);
        context.LoadAtEnd = RunContext.LoadAverage();

        var report = new Report("day", context, options);
        var p95 = Fmt.Percentile(firstAccepted, 95);
        var share = rate / options.Mps;
        report.Add("db", stack.Db.Provider);
        report.Add("advisors / history days / interactions before → after", $"{Fmt.N(advisors)} / {historyDaysFound} / {Fmt.N(interactionsBefore)} → {Fmt.N(interactions)}");
        report.Add("history generated (rows, s, rows/s)", history is null ? "reused" : $"{Fmt.N(history.TotalRows)}, {history.LoadSeconds:0}, {Fmt.N(history.RowsPerSecond)}");
        report.Add("CSV import via API s", importSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("fan-out msg/s (first→last accept)", $"{Fmt.N(rate)} = {share * 100:0.0}% of {Fmt.N(options.Mps)}{(allAccepted ? "" : " (not all accepted)")}", "≥ 95%", share >= 0.95 && allAccepted);
        report.Add("taps / chats (window s)", $"{Fmt.N(tapped)} / {Fmt.N(chatsSent)} ({window:0}); agent replies {Fmt.N(agentReplies)}");
        report.Add("tap→first accepted p50 / p95 ms", $"{Fmt.Ms(Fmt.Percentile(firstAccepted, 50))} / {Fmt.Ms(p95)}", "p95 < 500", p95 < 500 && settled);
        report.Add("hubix's share (stored→first) p95 ms", Fmt.Ms(Fmt.Percentile(hubixShare, 95)));
        foreach (var e in poller.Endpoints)
        {
            var lat = poller.Latencies(e.Name);
            var ep95 = Fmt.Percentile(lat, 95);
            report.Add($"{e.Name} p50 / p95 ms (n)", $"{Fmt.Ms(Fmt.Percentile(lat, 50))} / {Fmt.Ms(ep95)} ({lat.Count}{(poller.Errors(e.Name) > 0 ? $", {poller.Errors(e.Name)} errors" : "")})",
                $"p95 < {e.Target}", lat.Count > 0 && ep95 < e.Target && poller.Errors(e.Name) == 0);
        }

        var total = poller.Latencies(DashboardPoller.ReportTotal);
        report.Add("daily report csv total p50 / p95 ms", $"{Fmt.Ms(Fmt.Percentile(total, 50))} / {Fmt.Ms(Fmt.Percentile(total, 95))} ({Fmt.N(poller.ReportBytes)} bytes)");
        report.Add("WebSocket held / messages", $"{(socket.HeldOpen ? "yes" : "NO: " + socket.Problem)} / {Fmt.N(socket.Messages)}", "yes", socket.HeldOpen);
        report.Add("hubix peak RSS", Fmt.MiB(cpu.PeakRss), "< 400 MiB", cpu.PeakRss < 400L * 1024 * 1024);
        report.Add("hubix CPU avg cores / CPU s", $"{cpu.Cores:0.00} / {cpu.CpuSeconds:0}");
        var advisorDays = advisors * (double)(historyDaysFound + 1);
        report.Add("DB size / per advisor-day", $"{Fmt.MiB(size)} / {size / advisorDays:0} B");
        report.Note($"sandbox CPU avg {sandboxCpu.Cores:0.00} cores; send enqueue {enqueueSeconds:0.0} s; the taps and chats of a 10-minute window compressed into {window:0} s");
        if (history?.RollupNote is { } note)
        {
            report.Note(note);
        }
        else if (history?.RollupSeconds is { } rs)
        {
            report.Note($"hubix metrics rebuild over the history took {rs:0.0} s");
        }

        Storm.NoteUnsettled(report, settled, packRows);
        return report.Finish();
    }

    /// <summary>Each chatter writes one question at a seeded moment in the window; returns how many the sandbox accepted.</summary>
    private static async Task<int> ChatAsync(Stack stack, IReadOnlyList<string> phones, double windowSeconds, int seed, CancellationToken ct)
    {
        var rnd = new Random(seed + 1);
        var plan = phones.Select(p => (Item: (Phone: p, Text: Questions[rnd.Next(Questions.Length)]), Offset: TimeSpan.FromSeconds(rnd.NextDouble() * windowSeconds))).ToList();
        var ok = 0;
        await Storm.SpreadAsync(plan, 16, async p =>
        {
            try
            {
                using var r = await stack.Http.PostAsJsonAsync(new Uri(stack.Sandbox.BaseAddress, $"/_sandbox/phones/{p.Phone}/text"), new { body = p.Text }, ct);
                if (r.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref ok);
                }
            }
            catch (HttpRequestException)
            {
                // Counted as not accepted.
            }
        }, ct);
        return ok;
    }
}

/// <summary>One dashboard client: every read in turn, then a second's pause, until stopped. Latencies per endpoint.</summary>
public sealed class DashboardPoller(HttpClient api, DateOnly today, IReadOnlyList<string> phones, int seed)
{
    public const string ReportTotal = "report total";

    public sealed record Endpoint(string Name, double Target, Func<Random, string> Url, bool FirstByte = false);

    private readonly Dictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);

    public IReadOnlyList<Endpoint> Endpoints { get; } =
    [
        new("metrics today", 100, _ => "/api/webhook/metrics"),
        new("metrics 14 days", 100, _ => $"/api/webhook/metrics?from={today.AddDays(-13):yyyy-MM-dd}&to={today:yyyy-MM-dd}"),
        new("conversations page", 100, _ => "/api/webhook/conversations?limit=50"),
        new("advisor timeline", 100, r => $"/api/advisors/{phones[r.Next(phones.Count)]}/timeline"),
        new("daily report csv first byte", 200, _ => $"/api/reports/daily?format=csv&date={today:yyyy-MM-dd}", FirstByte: true),
    ];

    public long ReportBytes { get; private set; }

    public List<double> Latencies(string name)
    {
        var list = _latencies.GetValueOrDefault(name) ?? [];
        list.Sort();
        return list;
    }

    public int Errors(string name) => _errors.GetValueOrDefault(name);

    private void Add(string name, double ms) => (_latencies.TryGetValue(name, out var l) ? l : _latencies[name] = []).Add(ms);

    public async Task RunAsync(CancellationToken stop)
    {
        var rnd = new Random(seed + 2);
        while (!stop.IsCancellationRequested)
        {
            foreach (var e in Endpoints)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    using var r = await api.GetAsync(new Uri(e.Url(rnd), UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, stop);
                    await using var body = await r.Content.ReadAsStreamAsync(stop);
                    var buffer = new byte[64 * 1024];
                    var n = await body.ReadAsync(buffer, stop);
                    var first = sw.Elapsed.TotalMilliseconds;
                    long bytes = n;
                    while (n > 0)
                    {
                        n = await body.ReadAsync(buffer, stop);
                        bytes += n;
                    }

                    if (!r.IsSuccessStatusCode)
                    {
                        _errors[e.Name] = Errors(e.Name) + 1;
                        continue;
                    }

                    Add(e.Name, e.FirstByte ? first : sw.Elapsed.TotalMilliseconds);
                    if (e.FirstByte)
                    {
                        Add(ReportTotal, sw.Elapsed.TotalMilliseconds);
                        ReportBytes = bytes;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    _errors[e.Name] = Errors(e.Name) + 1;
                }
            }

            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>The dashboard's live feed: connects once and reads until stopped; says whether it stayed open.</summary>
/// <summary>Holds /ws open with the machine key as a bearer header (never a key in the URL).</summary>
public sealed class LiveSocketClient(Uri url, string bearer)
{
    public long Messages { get; private set; }
    public bool HeldOpen { get; private set; }
    public string Problem { get; private set; } = "";

    public async Task RunAsync(CancellationToken stop)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        try
        {
            await ws.ConnectAsync(url, stop);
            var buffer = new byte[64 * 1024];
            while (!stop.IsCancellationRequested)
            {
                var r = await ws.ReceiveAsync(buffer, stop);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    Problem = $"closed by the server ({ws.CloseStatus} {ws.CloseStatusDescription})";
                    return;
                }

                if (r.EndOfMessage)
                {
                    Messages++;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            HeldOpen = Problem.Length == 0;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException)
        {
            Problem = ex.Message;
        }
    }
}

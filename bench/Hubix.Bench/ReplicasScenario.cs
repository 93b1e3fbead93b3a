using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Hubix.Bench;

/// <summary>
/// Scenario 8 (issue 14): three <c>hubix serve</c> replicas on one PostgreSQL database, the sandbox's webhooks spread
/// over them by a round-robin proxy (what a load balancer does).
/// <list type="number">
/// <item>The same fan-out with 1, 2 and 3 replicas running, one day each: the aggregate rate must stay at the limit
/// (90–105%), not multiply, and Meta's 130429/131056 must not come.</item>
/// <item>Today's fan-out, 2,000 taps and 200 chats while one replica is SIGKILLed every --kill-every seconds and restarted
/// (the leader whenever it is not the replica holding the WebSocket). Reported: lost taps, packs missing items, items
/// sent twice or out of order, stuck rows, tap → first item, fail-over time, the longest pause in sending, chats
/// answered once, and the events a WebSocket on one replica missed.</item>
/// </list>
/// </summary>
/// <remarks>Leases (delivery, inbox, agent) are shortened to 15 s, as in the chaos scenario, so that work a killed process held comes back within the run.</remarks>
public sealed class ReplicasScenario(Options options)
{
    private const int ReplicaCount = 3;

    /// <summary>The replica the WebSocket is on (never killed, so the socket stays open; it is not the first leader).</summary>
    private const int Watched = ReplicaCount - 1;

    private static readonly string[] ChatTexts =
    [
        "help", "What is in today's market update?", "How do I share a post with my clients?", "thank you",
    ];

    public async Task<int> RunAsync(CancellationToken outer)
    {
        if (options.Postgres is null)
        {
            throw new ArgumentException("replicas runs on PostgreSQL: pass --postgres CONN, e.g. --postgres \"Host=127.0.0.1;Port=5440;Username=postgres\"");
        }

        var advisors = options.Advisors ?? 10_000;
        var tapEvery = Math.Max(1, advisors / Math.Max(1, Math.Min(options.Taps ?? 2_000, advisors)));
        var chatCount = Math.Min(options.Chats ?? 200, advisors / tapEvery);
        var fanoutSeconds = advisors / options.Mps;
        var bound = TimeSpan.FromSeconds(options.Timeout ?? (int)(fanoutSeconds * 4 * 3 + 900));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        DateOnly[] rateDays = [today.AddDays(-3), today.AddDays(-2), today.AddDays(-1)];
        string[] hubixArgs =
        [
            .. Stack.HubixArgs(options),
            "--Hubix:Delivery:Lease=00:00:15", "--Hubix:Delivery:ReconcileGrace=00:00:10", "--Hubix:Delivery:MaintenanceInterval=00:00:02",
            "--Hubix:Inbox:Lease=00:00:15", "--Hubix:Agent:Conversation:Lease=00:00:15", "--Hubix:WhatsApp:RequestTimeout=00:00:05",
        ];
        string[] sandboxArgs =
        [
            .. Stack.SandboxArgs(options),
            "--Hubix:Sandbox:Webhooks:RetryDelay=00:00:01", "--Hubix:Sandbox:Webhooks:MaxRetryDelay=00:00:08", "--Hubix:Sandbox:Webhooks:MaxAttempts=30",
        ];

        await using var stack = await Stack.StartAsync(options, "replicas", advisors, bound, sandboxArgs, hubixArgs, ct,
            replicas: ReplicaCount, packDates: [.. rateDays, today]);
        using var api = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchSecrets.AdminKey);
        Console.WriteLine($"replicas: {advisors} advisors, {ReplicaCount} replicas, limit {options.Mps} msg/s, load {context.LoadAtStart}; work dir {stack.WorkPath}");

        // 1. The same fan-out with 1, 2 and 3 replicas.
        for (var i = 1; i < ReplicaCount; i++)
        {
            await stack.Replicas[i].Process!.StopAsync(TimeSpan.FromSeconds(10));
        }

        var phases = new List<FanoutPhase>();
        for (var running = 1; running <= ReplicaCount; running++)
        {
            if (running > 1)
            {
                await stack.Replicas[running - 1].StartAsync(ct);
            }

            var phase = await FanoutAsync(stack, api, rateDays[running - 1], running, ct);
            phases.Add(phase);
            Console.WriteLine($"replicas: {running} running: {phase.Queued} templates at {phase.Rate:0} msg/s ({phase.Rate / options.Mps * 100:0.0}% of {options.Mps}), " +
                $"130429 {phase.RateLimited}, 131056 {phase.PairLimited}, sent by replica {string.Join('/', phase.SentHere)}");
        }

        // 2. Today: fan-out, taps and chats while replicas are killed.
        using var stopSocket = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var recorder = new LiveRecorder(new Uri($"ws://127.0.0.1:{stack.Replicas[Watched].Port}/ws"), BenchSecrets.AdminKey);
        var socketTask = recorder.RunAsync(stopSocket.Token);
        // Subscribed once the first frame (the metrics snapshot every new client gets) arrived. The rows counted are those
        // after it (the previous day's late read statuses still come in): each committed after the socket subscribed.
        await recorder.Subscribed.WaitAsync(TimeSpan.FromSeconds(60), ct);
        var outboxBefore = await stack.Db.ScalarAsync("SELECT COALESCE(MAX(\"Id\"), 0) FROM \"OutboxMessages\"", ct);
        var interactionsBefore = await stack.Db.ScalarAsync("SELECT COALESCE(MAX(\"Id\"), 0) FROM \"Interactions\"", ct);
        var statsBefore = await stack.SandboxStatsAsync(ct);

        var kills = new List<Kill>();
        using var stopKilling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var killer = Task.Run(() => KillLoopAsync(stack, api, kills, stopKilling.Token, ct), CancellationToken.None);

        var queued = await stack.SendDailyAsync(ct, today);
        var chatPhones = stack.Phones.Where((_, i) => i % tapEvery != 0).Take(chatCount).ToList();
        var chats = Task.Run(() => ChatAsync(stack, chatPhones, TimeSpan.FromSeconds(Math.Max(20, fanoutSeconds)), ct), CancellationToken.None);
        var tapSet = stack.Phones.Where((_, i) => i % tapEvery == 0).ToHashSet(StringComparer.Ordinal);
        var taps = await Storm.TapTemplatesAsTheyArriveAsync(stack, tapSet.Count, tapSet.Contains, TimeSpan.FromSeconds(fanoutSeconds * 6 + 150),
            new Random(options.Seed), ct, outboxBefore);

        var chatIds = await chats;
        Console.WriteLine($"replicas: {taps.Count} of {tapSet.Count} planned taps made, {chatIds.Count} chats; kills go on for {options.KillEvery * 2} s more");
        await Task.Delay(TimeSpan.FromSeconds(options.KillEvery * 2), ct);
        await stopKilling.CancelAsync();
        await killer;
        foreach (var replica in stack.Replicas.Where(r => r.Process is null || r.Process.HasExited))
        {
            await replica.StartAsync(ct);
        }

        // Settle (bounded): every row sent or failed, the inbox empty, the sandbox's webhooks delivered, every pack and reply there.
        List<OutboxRow> rows = [];
        long pendingInbox = 0, webhooksQueued = 0, pendingTurns = 0;
        var settled = await Stack.UntilAsync(async () =>
        {
            rows = await stack.OutboxAsync(ct, outboxBefore);
            pendingInbox = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"InboxEvents\" WHERE \"State\" = 0", ct);
            pendingTurns = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"ConversationTurns\" WHERE \"State\" = 0", ct);
            webhooksQueued = Stack.Get(await stack.SandboxStatsAsync(ct), "webhooksQueued");
            return rows.All(r => r.State is not (OutboxRow.Queued or OutboxRow.Sending)) && pendingInbox == 0 && pendingTurns == 0 && webhooksQueued == 0
                && rows.Count(r => r.GroupKey is not null) >= taps.Count * Stack.PackItems;
        }, TimeSpan.FromSeconds(300), ct, pollMs: 1000);
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // the last NOTIFYs reach the socket
        await stopSocket.CancelAsync();
        await socketTask;
        var statsAfter = await stack.SandboxStatsAsync(ct);

        // Ground truth: what hubix recorded (interactions) and what the phones got (the sandbox).
        var recordedIn = (await stack.Db.QueryAsync(
            $"SELECT \"WaMessageId\" FROM \"Interactions\" WHERE \"Direction\" = 'in' AND \"WaMessageId\" IS NOT NULL", r => r.GetString(0), ct)).ToHashSet(StringComparer.Ordinal);
        var lost = taps.Values.Count(t => !recordedIn.Contains(t.Id!)) + chatIds.Count(id => !recordedIn.Contains(id));
        var phones = await Storm.CheckPhonesAsync(stack, [.. taps.Keys], ct);
        var replies = await CountRepliesAsync(stack, chatPhones, ct);
        var stuck = rows.Count(r => r.State is OutboxRow.Queued or OutboxRow.Sending);
        var packRows = rows.Where(r => r.GroupKey is not null).ToList();
        var (firstAccepted, _, hubixShare) = Storm.Latencies(taps, packRows, await stack.FirstInboundReceivedAsync(ct));
        var accepts = rows.Where(r => r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).Order().ToList();
        var longestPause = accepts.Zip(accepts.Skip(1)).Select(z => (z.Second - z.First).TotalSeconds).DefaultIfEmpty().Max();
        var templateAccepts = rows.Where(r => r.Kind == "template" && r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).Order().ToList();
        var chaosRate = templateAccepts.Count > 1 ? (templateAccepts.Count - 1) / (templateAccepts[^1] - templateAccepts[0]).TotalSeconds : double.NaN;
        var events = await stack.Db.QueryAsync(
            $"SELECT \"Id\", \"Direction\", \"Type\", \"WaMessageId\", \"Phone\" FROM \"Interactions\" WHERE \"Id\" > {interactionsBefore} AND \"Direction\" IN ('in', 'status') AND \"WaMessageId\" IS NOT NULL ORDER BY \"Id\"",
            r => (Id: r.GetInt64(0), Key: LiveRecorder.Key(r.GetString(1) == "in" ? "in" : r.GetString(2), r.GetString(3)), Phone: r.IsDBNull(4) ? "" : r.GetString(4)), ct);
        var seen = recorder.Seen;
        var missingIn = events.Count(e => e.Key.StartsWith("in:", StringComparison.Ordinal) && !seen.ContainsKey(e.Key));
        var missingStatus = events.Count(e => !e.Key.StartsWith("in:", StringComparison.Ordinal) && !seen.ContainsKey(e.Key));
        // Per advisor, the socket's order against the order the rows were inserted (ids are taken at insert, not at commit, so
        // two replicas' concurrent writes may legitimately commit the other way round): informational.
        var inversions = events.Where(e => seen.ContainsKey(e.Key)).GroupBy(e => e.Phone)
            .Sum(g => g.Select(e => seen[e.Key]).Zip(g.Select(e => seen[e.Key]).Skip(1)).Count(z => z.Second < z.First));
        // Causality: a pack item's statuses can only come after the tap that unlocked the pack.
        var causal = 0;
        foreach (var g in packRows.Where(r => r.WaMessageId is not null).GroupBy(r => r.Recipient.TrimStart('+')))
        {
            if (taps.TryGetValue(g.Key, out var tap) && seen.TryGetValue(LiveRecorder.Key("in", tap.Id!), out var tapAt))
            {
                causal += g.SelectMany(r => new[] { "sent", "delivered", "read" }.Select(s => LiveRecorder.Key(s, r.WaMessageId!)))
                    .Count(k => seen.TryGetValue(k, out var at) && at < tapAt);
            }
        }

        var leaderKills = kills.Where(k => k.WasLeader).ToList();
        var failovers = leaderKills.Where(k => k.NewLeaderAfter is not null).Select(k => k.NewLeaderAfter!.Value).Order().ToList();
        var r429 = Stack.Rejected(statsAfter, 130429) - Stack.Rejected(statsBefore, 130429);
        var r131056 = Stack.Rejected(statsAfter, 131056) - Stack.Rejected(statsBefore, 131056);
        context.LoadAtEnd = RunContext.LoadAverage();

        var report = new Report("replicas", context, options);
        report.Add("db / replicas / limit", $"Postgres / {ReplicaCount} / {Fmt.N(options.Mps)} msg/s");
        foreach (var p in phases)
        {
            var share = p.Rate / options.Mps;
            report.Add($"fan-out, {p.Running} replica(s) running: msg/s (share)", $"{Fmt.N(p.Rate, 0)} ({share * 100:0.0}%)", "90–105%", share is >= 0.90 and <= 1.05 && p.AllAccepted);
            report.Add($"  130429 / 131056, sends per replica", $"{p.RateLimited} / {p.PairLimited}, {string.Join(" / ", p.SentHere)}", "0 / 0",
                p.RateLimited == 0 && p.PairLimited == 0);
        }

        report.Add("under kills: templates queued / taps / chats", $"{Fmt.N(queued)} / {Fmt.N(taps.Count)} / {chatIds.Count}");
        report.Add("SIGKILLs (of the leader)", $"{kills.Count} ({leaderKills.Count})");
        report.Add("fail-over: a new leader after the leader's SIGKILL, s (median / max)",
            failovers.Count == 0 ? "no leader killed" : $"{Fmt.Percentile(failovers, 50):0.0} / {failovers[^1]:0.0}", "≤ lease + 1 s", failovers.Count > 0 && failovers[^1] <= 3);
        report.Add("longest pause between two accepted sends, s", longestPause.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("fan-out under kills, msg/s", Fmt.N(chaosRate, 0));
        report.Add("130429 / 131056 under kills", $"{r429} / {r131056}", "0 / 0", r429 == 0 && r131056 == 0);
        report.Add("lost taps and chats", lost.ToString(CultureInfo.InvariantCulture), "0", lost == 0);
        report.Add("packs missing items", phones.PacksMissingItems.ToString(CultureInfo.InvariantCulture), "0", phones.PacksMissingItems == 0);
        report.Add("items sent twice", phones.DuplicateItems.ToString(CultureInfo.InvariantCulture), "0", phones.DuplicateItems == 0);
        report.Add("packs out of order", phones.OutOfOrder.ToString(CultureInfo.InvariantCulture), "0", phones.OutOfOrder == 0);
        report.Add("chats answered once / twice / never", $"{replies.Once} / {replies.Twice} / {replies.Never}", $"{chatIds.Count} / 0 / 0",
            replies.Once == chatIds.Count && replies.Twice == 0);
        report.Add("stuck rows (outbox, inbox, agent turns)", $"{stuck} / {pendingInbox} / {pendingTurns}", "0", stuck == 0 && pendingInbox == 0 && pendingTurns == 0 && settled);
        report.Add("tap → first item accepted p50 / p95 ms", $"{Fmt.Ms(Fmt.Percentile(firstAccepted, 50))} / {Fmt.Ms(Fmt.Percentile(firstAccepted, 95))}");
        // Hubix's own part: from storing the tap's webhook to the first item accepted (the rest is the sandbox's webhook queue).
        report.Add("  of which hubix (webhook stored → first accepted) p50 / p95 ms", $"{Fmt.Ms(Fmt.Percentile(hubixShare, 50))} / {Fmt.Ms(Fmt.Percentile(hubixShare, 95))}");
        report.Add($"WebSocket on replica {Watched + 1}: held / events", $"{(recorder.Problem.Length == 0 ? "yes" : "NO: " + recorder.Problem)} / {Fmt.N(recorder.Messages)}", "yes",
            recorder.Problem.Length == 0);
        report.Add("events missing on it: inbound / statuses", $"{missingIn} of {events.Count(e => e.Key.StartsWith("in:", StringComparison.Ordinal))} / {missingStatus} of {events.Count(e => !e.Key.StartsWith("in:", StringComparison.Ordinal))}",
            "0 / 0", missingIn == 0 && missingStatus == 0);
        report.Add("pack statuses seen before the tap that caused them", causal.ToString(CultureInfo.InvariantCulture), "0", causal == 0);
        report.Add("per-advisor pairs seen in another order than their row ids", inversions.ToString(CultureInfo.InvariantCulture));
        report.Note($"webhooks through the proxy: {string.Join(" / ", stack.Proxy!.Forwarded)} per replica, {stack.Proxy.Retried} retried on another replica, {stack.Proxy.Unavailable} answered 502");
        var pauseAt = accepts.Zip(accepts.Skip(1)).MaxBy(z => z.Second - z.First);
        report.Note($"longest pause from {pauseAt.First:HH:mm:ss.f} to {pauseAt.Second:HH:mm:ss.f}");
        var missingKinds = events.Where(e => !seen.ContainsKey(e.Key)).GroupBy(e => e.Key.Split(':')[0]).Select(g => $"{g.Key}×{g.Count()}");
        report.Note("missing on the socket by kind: " + string.Join(", ", missingKinds) + "; e.g. " + string.Join(", ", events.Where(e => !seen.ContainsKey(e.Key)).Take(3).Select(e => $"{e.Id}={e.Key}")));
        report.Note("kills: " + string.Join(", ", kills.Select(k => $"#{k.Replica + 1}{(k.WasLeader ? "(leader)" : "")}@{k.At:HH:mm:ss}")));
        Storm.NoteUnsettled(report, settled, packRows);
        report.Print();
        report.Record();
        return report.AllTargetsMet ? 0 : 1;
    }

    private sealed record FanoutPhase(int Running, int Queued, bool AllAccepted, double Rate, long RateLimited, long PairLimited, IReadOnlyList<long> SentHere);

    private async Task<FanoutPhase> FanoutAsync(Stack stack, HttpClient api, DateOnly day, int running, CancellationToken ct)
    {
        var before = await stack.SandboxStatsAsync(ct);
        var sentBefore = await SentHereAsync(stack, api, ct);
        var afterId = await stack.Db.ScalarAsync("SELECT COALESCE(MAX(\"Id\"), 0) FROM \"OutboxMessages\"", ct);
        var queued = await stack.SendDailyAsync(ct, day);
        if (queued == 0)
        {
            throw new InvalidOperationException($"send-daily --date {day} queued nothing; see the output above");
        }

        var accepted0 = Stack.Get(before, "accepted");
        var all = await Stack.UntilAsync(async () => Stack.Get(await stack.SandboxStatsAsync(ct), "accepted") - accepted0 >= queued,
            TimeSpan.FromSeconds(queued / options.Mps * 3 + 120), ct, pollMs: 250);
        var after = await stack.SandboxStatsAsync(ct);
        var sentAfter = await SentHereAsync(stack, api, ct);
        var times = (await stack.OutboxAsync(ct, afterId)).Where(r => r.Kind == "template" && r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).Order().ToList();
        var rate = times.Count > 1 ? (times.Count - 1) / (times[^1] - times[0]).TotalSeconds : double.NaN;
        return new FanoutPhase(running, queued, all, rate, Stack.Rejected(after, 130429) - Stack.Rejected(before, 130429),
            Stack.Rejected(after, 131056) - Stack.Rejected(before, 131056), sentAfter.Zip(sentBefore, (a, b) => a - b).ToList());
    }

    /// <summary>Each replica's <c>sentHere</c> (sends it made since it started; -1 when it is down).</summary>
    private static async Task<List<long>> SentHereAsync(Stack stack, HttpClient api, CancellationToken ct)
    {
        var list = new List<long>();
        foreach (var r in stack.Replicas)
        {
            var status = await StatusAsync(api, r, ct);
            list.Add(status?.SentHere ?? -1);
        }

        return list;
    }

    private sealed record ReplicaStatus(bool Leading, long SentHere);

    private static async Task<ReplicaStatus?> StatusAsync(HttpClient api, HubixServer replica, CancellationToken ct)
    {
        if (replica.Process is null || replica.Process.HasExited)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri(replica.BaseAddress, "/api/dashboard/status"), ct));
            return new ReplicaStatus(doc.RootElement.GetProperty("leading").GetBoolean(), doc.RootElement.GetProperty("sentHere").GetInt64());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private sealed record Kill(int Replica, bool WasLeader, DateTime At, double? NewLeaderAfter);

    /// <summary>
    /// Every --kill-every seconds: SIGKILL the leader (or, when the leader is the watched replica, another one), time until
    /// another replica says it leads, then restart the killed one on the same port.
    /// </summary>
    private async Task KillLoopAsync(Stack stack, HttpClient api, List<Kill> kills, CancellationToken stop, CancellationToken ct)
    {
        var rnd = new Random(options.Seed);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.KillEvery), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            int? leader = null;
            for (var i = 0; i < stack.Replicas.Count; i++)
            {
                if ((await StatusAsync(api, stack.Replicas[i], ct))?.Leading == true)
                {
                    leader = i;
                }
            }

            var target = leader is { } l && l != Watched ? l : Enumerable.Range(0, stack.Replicas.Count).Where(i => i != Watched).ElementAt(rnd.Next(stack.Replicas.Count - 1));
            var wasLeader = target == leader;
            var at = DateTime.UtcNow;
            stack.Replicas[target].Kill();
            double? after = null;
            if (wasLeader)
            {
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed < TimeSpan.FromSeconds(30))
                {
                    var found = false;
                    for (var i = 0; i < stack.Replicas.Count && !found; i++)
                    {
                        found = i != target && (await StatusAsync(api, stack.Replicas[i], ct))?.Leading == true;
                    }

                    if (found)
                    {
                        after = sw.Elapsed.TotalSeconds;
                        break;
                    }

                    await Task.Delay(50, ct);
                }
            }

            lock (kills)
            {
                kills.Add(new Kill(target, wasLeader, at, after));
            }

            Console.WriteLine($"replicas: SIGKILL replica {target + 1}{(wasLeader ? $" (the leader; a new one after {after:0.00} s)" : "")} at {at:HH:mm:ss}; restarting");
            await stack.Replicas[target].StartAsync(ct);
        }
    }

    /// <summary>Texts from the chat phones, spread over the window; returns the inbound wamids the sandbox made.</summary>
    private static async Task<List<string>> ChatAsync(Stack stack, IReadOnlyList<string> phones, TimeSpan window, CancellationToken ct)
    {
        var rnd = new Random(7);
        var ids = new ConcurrentBag<string>();
        var plan = phones.Select((p, i) => (Item: (Phone: p, Text: ChatTexts[i % ChatTexts.Length]), Offset: TimeSpan.FromSeconds(rnd.NextDouble() * window.TotalSeconds))).ToList();
        await Storm.SpreadAsync(plan, 16, async c =>
        {
            using var r = await stack.Http.PostAsJsonAsync(new Uri(stack.Sandbox.BaseAddress, $"/_sandbox/phones/{c.Phone}/text"), new { body = c.Text }, ct);
            if (r.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct));
                if (doc.RootElement.TryGetProperty("id", out var id) && id.GetString() is { } s)
                {
                    ids.Add(s);
                }
            }
        }, ct);
        return [.. ids];
    }

    /// <summary>On each chat phone, the free-form texts it got (everything but templates): exactly one is the answer.</summary>
    private static async Task<(int Once, int Twice, int Never)> CountRepliesAsync(Stack stack, IReadOnlyList<string> phones, CancellationToken ct)
    {
        int once = 0, twice = 0, never = 0;
        foreach (var phone in phones)
        {
            var n = (await stack.ReceivedAsync(phone, ct)).Count(m => m.Type != "template");
            _ = n switch { 0 => never++, 1 => once++, _ => twice++ };
        }

        return (once, twice, never);
    }
}

/// <summary>
/// The sandbox's webhooks spread over the replicas, round-robin, as a load balancer does: a replica that refuses the
/// connection or drops it (killed) is skipped and the request goes to the next one; 502 when none answers.
/// </summary>
public sealed class RoundRobinProxy(IReadOnlyList<Uri> targets) : IAsyncDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 128,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(1),
    }) { Timeout = TimeSpan.FromSeconds(30) };

    private readonly long[] _forwarded = new long[targets.Count];
    private WebApplication? _app;
    private int _next = -1;
    private long _retried;
    private long _unavailable;

    public int Port { get; } = Children.FreePort();
    public Uri Webhook => new($"http://127.0.0.1:{Port}/webhook");
    public IReadOnlyList<long> Forwarded => [.. _forwarded];
    public long Retried => Interlocked.Read(ref _retried);
    public long Unavailable => Interlocked.Read(ref _unavailable);

    public async Task StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.MapPost("/webhook", ForwardAsync);
        await _app.StartAsync(ct);
    }

    private async Task<IResult> ForwardAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var bytes = body.ToArray();
        var start = Interlocked.Increment(ref _next);
        for (var k = 0; k < targets.Count; k++)
        {
            var i = (int)((uint)(start + k) % (uint)targets.Count);
            using var message = new HttpRequestMessage(HttpMethod.Post, targets[i]) { Content = new ByteArrayContent(bytes) };
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/json");
            if (request.Headers.TryGetValue("X-Hub-Signature-256", out var signature))
            {
                message.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature.ToString());
            }

            try
            {
                using var response = await _http.SendAsync(message, request.HttpContext.RequestAborted);
                Interlocked.Increment(ref _forwarded[i]);
                return Results.Text(await response.Content.ReadAsStringAsync(request.HttpContext.RequestAborted), "text/plain", statusCode: (int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
                // Down or killed mid-request: the next replica gets it (the webhook's id makes a second store a no-op).
                Interlocked.Increment(ref _retried);
            }
        }

        Interlocked.Increment(ref _unavailable);
        return Results.StatusCode(502);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
    }
}

/// <summary>Holds /ws open on one replica and keeps the order in which each event arrived (by kind and wamid).</summary>
public sealed class LiveRecorder(Uri url, string bearer)
{
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the first frame: from then on the server has this client on its feed.</summary>
    public Task Subscribed => _subscribed.Task;

    public long Messages { get; private set; }
    public string Problem { get; private set; } = "";

    /// <summary>Event key → its position on the socket: <c>in:WAMID</c> for taps and messages, <c>STATUS:WAMID</c> for statuses.</summary>
    public IReadOnlyDictionary<string, long> Seen => _seen;

    public static string Key(string kind, string wamid) => kind + ":" + wamid;

    public async Task RunAsync(CancellationToken stop)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        try
        {
            await ws.ConnectAsync(url, stop);
            var buffer = new byte[256 * 1024];
            using var message = new MemoryStream();
            while (!stop.IsCancellationRequested)
            {
                var r = await ws.ReceiveAsync(buffer, stop);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    Problem = $"closed by the server ({ws.CloseStatus} {ws.CloseStatusDescription})";
                    return;
                }

                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage)
                {
                    continue;
                }

                Messages++;
                _subscribed.TrySetResult();
                Record(message.ToArray());
                message.SetLength(0);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException)
        {
            Problem = ex.Message;
        }
    }

    private void Record(byte[] utf8)
    {
        using var doc = JsonDocument.Parse(utf8);
        var root = doc.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("wamid", out var w) || w.GetString() is not { } wamid)
        {
            return;
        }

        var key = type switch
        {
            "tap" or "message" => Key("in", wamid),
            "status" when data.TryGetProperty("status", out var s) && s.GetString() is { } status => Key(status, wamid),
            _ => null,
        };
        if (key is not null)
        {
            _seen.TryAdd(key, Messages);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hubix.Bench;

/// <summary>
/// Scenario 4: fanout + clickstorm while the sandbox injects faults (10% 500s, 5% timeouts, 130429 bursts,
/// 131056 for busy recipients, 20% duplicated and 20% reordered webhooks) and hubix is SIGKILLed every
/// --kill-every seconds and restarted. Afterwards: lost taps, packs missing items, items sent twice, stuck rows.
/// </summary>
/// <remarks>
/// Leases are shortened (15 s) so that rows a killed process held come back within the run; production keeps
/// the 2-minute defaults. The duplicates counted are the documented at-least-once window (delivery README).
/// </remarks>
public sealed class ChaosScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 2_000;
        var bound = TimeSpan.FromSeconds(options.Timeout ?? 900);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);
        string[] hubixArgs =
        [
            .. Stack.HubixArgs(options),
            "--Hubix:Delivery:Lease=00:00:15", "--Hubix:Delivery:ReconcileGrace=00:00:10", "--Hubix:Delivery:MaintenanceInterval=00:00:02",
            "--Hubix:Inbox:Lease=00:00:15", "--Hubix:WhatsApp:RequestTimeout=00:00:05",
        ];
        string[] sandboxArgs =
        [
            .. Stack.SandboxArgs(options),
            // Busy recipients: the template plus a pack of 6 is more than this burst, so some get 131056.
            "--Hubix:Sandbox:PairRate:Burst=4", "--Hubix:Sandbox:PairRate:Interval=00:00:01",
            "--Hubix:Sandbox:Webhooks:RetryDelay=00:00:01", "--Hubix:Sandbox:Webhooks:MaxRetryDelay=00:00:08", "--Hubix:Sandbox:Webhooks:MaxAttempts=30",
        ];

        await using var stack = await Stack.StartAsync(options, "chaos", advisors, bound, sandboxArgs, hubixArgs, ct);
        Console.WriteLine($"chaos: {advisors} advisors, kill every {options.KillEvery} s, {stack.Db.Provider}, load {context.LoadAtStart}; work dir {stack.WorkPath}");
        await stack.SetFaultsAsync(new
        {
            seed = options.Seed,
            sendErrorShare = 0.10,
            sendTimeoutShare = 0.05,
            sendTimeout = "00:00:08",
            sendRateLimitShare = 0.03,
            webhookDuplicateShare = 0.20,
            webhookReorderShare = 0.20,
        }, ct);

        // The killer: SIGKILL the whole hubix process group, restart on the same port and database.
        var kills = 0;
        using var stopKilling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var killer = Task.Run(async () =>
        {
            while (!stopKilling.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(options.KillEvery), stopKilling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                stack.Hubix.Kill();
                kills++;
                Console.WriteLine($"chaos: SIGKILL #{kills} at {DateTime.UtcNow:HH:mm:ss}; restarting");
                await stack.Hubix.StartAsync(ct);
            }
        }, CancellationToken.None);

        // Fanout (the CLI writes the rows; it does not need the server to be up) and taps as templates arrive.
        var queued = await stack.SendDailyAsync(ct);
        var taps = await Storm.TapTemplatesAsTheyArriveAsync(stack, queued, _ => true, TimeSpan.FromSeconds(queued / options.Mps * 6 + 150),
            new Random(options.Seed), ct);

        Console.WriteLine($"chaos: {taps.Count} of {queued} templates tapped; settling under kills");
        // Keep killing a little longer while packs flow, then stop and let everything settle (bounded).
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(40, options.KillEvery * 2)), ct);
        await stopKilling.CancelAsync();
        await killer;
        if (stack.Hubix.Process is null || stack.Hubix.Process.HasExited)
        {
            await stack.Hubix.StartAsync(ct);
        }

        await stack.SetFaultsAsync(new { seed = options.Seed }, ct);
        List<OutboxRow> rows = [];
        long pendingInbox = 0, webhooksQueued = 0;
        var settled = await Stack.UntilAsync(async () =>
        {
            rows = await stack.OutboxAsync(ct);
            pendingInbox = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"InboxEvents\" WHERE \"State\" = 0", ct);
            webhooksQueued = Stack.Get(await stack.SandboxStatsAsync(ct), "webhooksQueued");
            return rows.All(r => r.State is not (OutboxRow.Queued or OutboxRow.Sending)) && pendingInbox == 0 && webhooksQueued == 0
                && rows.Count(r => r.GroupKey is not null) >= taps.Count * Stack.PackItems;
        }, TimeSpan.FromSeconds(240), ct, pollMs: 1000);

        // Lost taps: a tap the phone made (the sandbox returned its wamid) that hubix never recorded.
        var recorded = (await stack.Db.QueryAsync("SELECT \"WaMessageId\" FROM \"Interactions\" WHERE \"Direction\" = 'in' AND \"WaMessageId\" IS NOT NULL",
            r => r.GetString(0), ct)).ToHashSet(StringComparer.Ordinal);
        var lost = taps.Values.Count(t => !recorded.Contains(t.Id!));
        var phones = await Storm.CheckPhonesAsync(stack, [.. taps.Keys], ct);
        var stuck = rows.Count(r => r.State is OutboxRow.Queued or OutboxRow.Sending);
        var failed = rows.Where(r => r.State == OutboxRow.Failed).GroupBy(r => r.ErrorReason ?? "?").Select(g => $"{g.Key}×{g.Count()}").ToList();
        var stats = await stack.SandboxStatsAsync(ct);
        context.LoadAtEnd = RunContext.LoadAverage();

        var report = new Report("chaos", context, options);
        report.Add("db", stack.Db.Provider);
        report.Add("advisors / templates queued / tapped", $"{Fmt.N(advisors)} / {Fmt.N(queued)} / {Fmt.N(taps.Count)}");
        report.Add("SIGKILLs (restarts)", $"{kills} ({stack.Hubix.Starts - 1})");
        report.Add("lost taps", lost.ToString(CultureInfo.InvariantCulture), "0", lost == 0);
        report.Add("packs missing items", phones.PacksMissingItems.ToString(CultureInfo.InvariantCulture), "0", phones.PacksMissingItems == 0);
        report.Add("items sent twice (at-least-once window)", phones.DuplicateItems.ToString(CultureInfo.InvariantCulture), "count");
        report.Add("packs out of order", phones.OutOfOrder.ToString(CultureInfo.InvariantCulture), "0", phones.OutOfOrder == 0);
        report.Add("stuck rows (outbox queued/sending, inbox pending)", $"{stuck} / {pendingInbox}", "0", stuck == 0 && pendingInbox == 0 && settled);
        report.Add("failed outbox rows", failed.Count == 0 ? "0" : string.Join(", ", failed));
        report.Add("sandbox faults seen (500/429/131056, dup webhooks)",
            $"{Stack.Rejected(stats, 2) + Stack.Rejected(stats, 500)}/{Stack.Rejected(stats, 130429)}/{Stack.Rejected(stats, 131056)}, {Stack.Get(stats, "webhooksDuplicated")}");
        report.Print();
        report.Record();
        return report.AllTargetsMet ? 0 : 1;
    }
}

/// <summary>
/// Scenario 5: the agent evaluation set (tests/Hubix.Tests/Agent/agent-eval.jsonl) sent as texts from advisors'
/// phones through the sandbox and the webhook; measures replies per second and text → reply accepted latency.
/// </summary>
public sealed class AgentScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken outer)
    {
        var sets = options.AgentSet switch { "en" => new[] { "agent-eval.jsonl" }, "i18n" => ["agent-eval-i18n.jsonl"], _ => ["agent-eval.jsonl", "agent-eval-i18n.jsonl"] };
        var texts = new List<string>();
        foreach (var set in sets)
        {
            var evalPath = Path.Combine(options.Repo, "tests", "Hubix.Tests", "Agent", set);
            if (!File.Exists(evalPath))
            {
                throw new NotAvailableException($"{evalPath} (an agent evaluation set) is missing");
            }

            texts.AddRange(File.ReadLines(evalPath).Where(l => l.Trim().Length > 0)
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString() ?? ""));
        }

        var bound = TimeSpan.FromSeconds(options.Timeout ?? 600);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);
        await using var stack = await Stack.StartAsync(options, "agent", texts.Count, bound, Stack.SandboxArgs(options), Stack.HubixArgs(options), ct);
        Console.WriteLine($"agent: {texts.Count} texts from {texts.Count} advisors, {stack.Db.Provider}, load {context.LoadAtStart}");

        // One text per advisor, all at once (each advisor's first reply is its answer).
        var sentAt = new ConcurrentDictionary<string, DateTime>(StringComparer.Ordinal);
        var start = DateTime.UtcNow;
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(texts.Select(async (text, i) =>
        {
            var phone = stack.Phones[i];
            await gate.WaitAsync(ct);
            try
            {
                sentAt[phone] = DateTime.UtcNow;
                using var r = await stack.Http.PostAsJsonAsync(new Uri(stack.Sandbox.BaseAddress, $"/_sandbox/phones/{phone}/text"), new { body = text }, ct);
                r.EnsureSuccessStatusCode();
            }
            finally
            {
                gate.Release();
            }
        }));

        Dictionary<string, DateTime> firstReply = [];
        await Stack.UntilAsync(async () =>
        {
            firstReply = (await stack.OutboxAsync(ct)).Where(r => r.AcceptedAt is not null).GroupBy(r => r.Recipient.TrimStart('+'))
                .ToDictionary(g => g.Key, g => g.Min(r => r.AcceptedAt!.Value), StringComparer.Ordinal);
            return firstReply.Count >= texts.Count;
        }, TimeSpan.FromSeconds(120), ct, pollMs: 250);
        if (firstReply.Count < texts.Count / 2)
        {
            // The few replies there are come from the unlock handler's text triggers ("send today's pack", STOP).
            throw new NotAvailableException(
                $"only {firstReply.Count} of {texts.Count} texts got a reply within 120 s: the agent answers through `hubix agent ask` but is not wired into the inbox (no IInboxHandler hands texts to it); the replies seen are the unlock handler's text triggers");
        }

        var latencies = firstReply.Where(f => sentAt.ContainsKey(f.Key)).Select(f => (f.Value - sentAt[f.Key]).TotalMilliseconds).Order().ToList();
        var span = (firstReply.Values.Max() - start).TotalSeconds;
        context.LoadAtEnd = RunContext.LoadAverage();
        var english = options.AgentSet == "en";
        var report = new Report(english ? "agent" : "agent-languages", context, options);
        report.Add("db", stack.Db.Provider);
        report.Add("texts / replied", $"{texts.Count} / {firstReply.Count}", $"{texts.Count}", firstReply.Count == texts.Count);
        report.Add("replies/s", (firstReply.Count / span).ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("text→reply accepted p50 ms", Fmt.Ms(Fmt.Percentile(latencies, 50)));
        report.Add("text→reply accepted p95 ms", Fmt.Ms(Fmt.Percentile(latencies, 95)));
        if (!english)
        {
            await AddPerLanguageAsync(report, stack, ct);
            await AddFootprintAsync(report, ct);
        }
        report.Print();
        report.Record();
        return report.AllTargetsMet ? 0 : 1;
    }

    /// <summary>
    /// The agent's own time per message (<c>AgentEngine.AnswerAsync</c>: detection, transliteration, rules, classifiers,
    /// retrieval; stored on the user turn as <c>LatencyMs</c>) by the message's detected language: what issue 18's
    /// "p95 per message on the CPU &lt; 50 ms" is about. The end-to-end figures above are mostly queueing (all texts at once).
    /// </summary>
    private static async Task AddPerLanguageAsync(Report report, Stack stack, CancellationToken ct)
    {
        var rows = await stack.Db.QueryAsync(
            "SELECT COALESCE(\"Lang\", '?'), \"LatencyMs\" FROM \"ConversationTurns\" WHERE \"Role\" = 'user' AND \"LatencyMs\" IS NOT NULL",
            r => (Lang: r.GetString(0), Ms: r.GetDouble(1)), ct);
        foreach (var lang in new[] { "en", "hi", "hi-Latn" })
        {
            var ms = rows.Where(r => r.Lang == lang).Select(r => r.Ms).Order().ToList();
            var p95 = ms.Count == 0 ? double.NaN : Fmt.Percentile(ms, 95);
            report.Add($"agent {lang} p50 / p95 ms (n)",
                ms.Count == 0 ? "none" : $"{Fmt.Ms(Fmt.Percentile(ms, 50))} / {Fmt.Ms(p95)} ({ms.Count})", "p95 < 50", ms.Count > 0 && p95 < 50);
        }
    }

    /// <summary><c>hubix agent footprint</c>: resident and managed memory before and after the language models are built.</summary>
    private async Task AddFootprintAsync(Report report, CancellationToken ct)
    {
        var binary = await HubixBinary.FindAsync(options, ct);
        var (code, output) = await HubixBinary.RunAsync(binary.Path, ["agent", "footprint"], options.Repo, TimeSpan.FromSeconds(60), ct);
        var json = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        if (code != 0 || json is null)
        {
            report.Add("language models RSS / managed growth MB", "not measured (hubix agent footprint failed)", "< 20", false);
            return;
        }

        var f = JsonDocument.Parse(json).RootElement;
        var rss = f.GetProperty("RssGrowthMb").GetDouble();
        report.Add("language models RSS / managed growth MB",
            string.Create(CultureInfo.InvariantCulture, $"{rss:0.0} ({f.GetProperty("RssBeforeMb").GetDouble():0.0} → {f.GetProperty("RssAfterMb").GetDouble():0.0}) / {f.GetProperty("ManagedGrowthMb").GetDouble():0.0}"),
            "< 20", rss < 20);
    }
}

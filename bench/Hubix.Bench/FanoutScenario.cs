using System.Diagnostics;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>
/// Scenario 2: the daily template to N advisors (default 10,000) through the sandbox limited to --mps messages/s
/// (default 1,000). Measures time until all are accepted, the achieved rate against the limit, 130429s, and the
/// CPU and peak memory of the hubix process.
/// </summary>
public sealed class FanoutScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 10_000;
        var bound = TimeSpan.FromSeconds(options.Timeout ?? (int)(advisors / options.Mps * 4 + 300));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);

        await using var stack = await Stack.StartAsync(options, "fanout", advisors, bound, Stack.SandboxArgs(options), Stack.HubixArgs(options), ct);
        Console.WriteLine($"fanout: {advisors} advisors, limit {options.Mps} msg/s, {stack.Db.Provider}, load {context.LoadAtStart}; work dir {stack.WorkPath}");
        var before = await stack.SandboxStatsAsync(ct);
        var accepted0 = Stack.Get(before, "accepted");

        var cpu = new CpuWatch(stack.Hubix.Sample);
        var sandboxCpu = new CpuWatch(stack.Sandbox.Sample);
        var sw = Stopwatch.StartNew();
        var queued = await stack.SendDailyAsync(ct);
        var enqueueSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"send-daily queued {queued} in {enqueueSeconds:0.0} s");
        if (queued == 0)
        {
            throw new InvalidOperationException("send-daily queued nothing; see the output above");
        }

        long accepted = 0;
        var all = await Stack.UntilAsync(async () =>
        {
            accepted = Stack.Get(await stack.SandboxStatsAsync(ct), "accepted") - accepted0;
            return accepted >= queued;
        }, TimeSpan.FromSeconds(queued / options.Mps * 3 + 120), ct, pollMs: 100);
        var allSeconds = sw.Elapsed.TotalSeconds;
        await cpu.DisposeAsync();
        await sandboxCpu.DisposeAsync();
        var after = await stack.SandboxStatsAsync(ct);
        var rows = (await stack.OutboxAsync(ct)).Where(r => r.Kind == "template").ToList();
        var times = rows.Where(r => r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).Order().ToList();
        // The dispatcher's own rate: first to last accept (excludes the enqueue by the CLI and the first poll).
        var span = times.Count > 1 ? (times[^1] - times[0]).TotalSeconds : double.NaN;
        var rate = times.Count > 1 ? (times.Count - 1) / span : double.NaN;
        var share = rate / options.Mps;
        var r429 = Stack.Rejected(after, 130429) - Stack.Rejected(before, 130429);
        context.LoadAtEnd = RunContext.LoadAverage();

        var report = new Report("fanout", context, options);
        report.Add("db", stack.Db.Provider);
        report.Add("advisors / queued", $"{Fmt.N(advisors)} / {Fmt.N(queued)}");
        report.Add("all accepted", all ? "yes" : $"NO ({accepted} of {queued})", "yes", all);
        report.Add("send-daily (enqueue) s", enqueueSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("send-daily start → all accepted s", allSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("achieved msg/s (first→last accept)", Fmt.N(rate, 0));
        report.Add("share of limit", $"{share * 100:0.0}% of {Fmt.N(options.Mps)}", "≥ 95%", share >= 0.95);
        report.Add("130429s", r429.ToString(CultureInfo.InvariantCulture));
        report.Add("hubix CPU avg (cores) / CPU s", $"{cpu.Cores:0.00} / {cpu.CpuSeconds:0.0}");
        report.Add("hubix peak RSS", Fmt.MiB(cpu.PeakRss));
        report.Note($"sandbox CPU avg {sandboxCpu.Cores:0.00} cores; hubix extra args: {(options.HubixExtra.Count == 0 ? "none" : string.Join(' ', options.HubixExtra))}");
        report.Note($"sandbox: webhooks sent {Stack.Get(after, "webhooksSent") - Stack.Get(before, "webhooksSent")}, queued at end {Stack.Get(after, "webhooksQueued")}");
        report.Print();
        report.Record();
        return report.AllTargetsMet ? 0 : 1;
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>
/// Scenario 1: signed webhook POSTs at the highest rate the machine gives, against hubix (durable: 200 only
/// after the inbox commit) and against a bare Kestrel endpoint, then proof that every distinct event sent was
/// processed exactly once.
/// </summary>
public sealed class IngestScenario(Options options)
{
    private const int Capacity = 8_000_000;
    private const double DuplicateShare = 0.2;

    public async Task<int> RunAsync(CancellationToken outer)
    {
        var seconds = options.Seconds ?? 30;
        var concurrency = options.Concurrency ?? 64;
        var warmup = TimeSpan.FromSeconds(options.Warmup);
        var duration = TimeSpan.FromSeconds(seconds);
        var drainBound = TimeSpan.FromSeconds(Math.Max(180, seconds * 10));
        var bound = TimeSpan.FromSeconds(options.Timeout ?? (int)(2 * (warmup + duration).TotalSeconds + drainBound.TotalSeconds + 180));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;

        var context = await RunContext.CaptureAsync(options, ct);
        var binary = await HubixBinary.FindAsync(options, ct);
        using var work = new WorkDir("ingest", options.Keep);
        await using var db = await BenchDb.CreateAsync(options, work.Path, ct);
        Console.WriteLine($"ingest: {seconds} s (+{options.Warmup} s warm-up), {concurrency} connections, {db.Provider}, load {context.LoadAtStart}; work dir {work.Path}");

        // 1. Bare Kestrel, same client, same bodies.
        LoadResult bare;
        var (bareChild, bareUrl) = await BareServer.StartAsync(work.Path, bound, ct);
        using (bareChild)
        {
            var barePlan = new Plan(new IngestPayloads("bare"), concurrency, options.Seed);
            bare = await LoadGenerator.RunAsync(bareUrl, concurrency, warmup, duration, barePlan.Next, barePlan.OnResult, ct);
            Console.WriteLine($"bare kestrel: {Fmt.N(bare.OkPerSecond)} req/s, p99 {Fmt.Ms(bare.P(99))} ms");
        }

        // 2. Hubix.
        using var hubix = new HubixServer(binary, db, work.Path, bound, options.HubixExtra);
        await hubix.StartAsync(ct);
        var runId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        var plan = new Plan(new IngestPayloads(runId), concurrency, options.Seed);
        var clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sampler = Task.Run(async () =>
        {
            // CPU of hubix over the measured window only.
            await Task.Delay(warmup, ct);
            var a = hubix.Sample();
            await Task.Delay(duration, ct);
            var b = hubix.Sample();
            return (a, b);
        }, ct);
        var loadStart = Stopwatch.StartNew();
        var result = await LoadGenerator.RunAsync(hubix.Webhook, concurrency, warmup, duration, plan.Next, plan.OnResult, ct);
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu0).TotalSeconds / (warmup + duration).TotalSeconds;
        var (s0, s1) = await sampler;
        var hubixCpu = s0 is { } x && s1 is { } y ? (y.CpuSeconds - x.CpuSeconds) / duration.TotalSeconds : double.NaN;
        Console.WriteLine($"hubix: {Fmt.N(result.OkPerSecond)} req/s, p99 {Fmt.Ms(result.P(99))} ms; waiting for the inbox to drain");

        // 3. Drain (bounded), then check every event.
        var backlog = await db.ScalarAsync("SELECT COUNT(*) FROM \"InboxEvents\" WHERE \"State\" = 0", ct);
        var drain = Stopwatch.StartNew();
        long pending = backlog;
        while (pending > 0 && drain.Elapsed < drainBound)
        {
            await Task.Delay(250, ct);
            pending = await db.ScalarAsync("SELECT COUNT(*) FROM \"InboxEvents\" WHERE \"State\" = 0", ct);
        }

        var drained = drain.Elapsed.TotalSeconds;
        var totalElapsed = loadStart.Elapsed.TotalSeconds;
        var peak = hubix.Sample();
        var check = await plan.VerifyAsync(db, ct);
        await hubix.Process!.StopAsync(TimeSpan.FromSeconds(10));
        context.LoadAtEnd = RunContext.LoadAverage();

        var ratio = result.OkPerSecond / bare.OkPerSecond;
        var exactlyOnce = pending == 0 && check.MissingAcked == 0 && check.DuplicateKeys == 0 && check.Unexpected == 0;
        var report = new Report("ingest", context, options);
        report.Add("db", db.Provider);
        report.Add("connections", concurrency.ToString(CultureInfo.InvariantCulture));
        report.Add("hubix req/s (200, durable)", Fmt.N(result.OkPerSecond), "≥ 5,000", result.OkPerSecond >= 5000);
        report.Add("p50 ms", Fmt.Ms(result.P(50)));
        report.Add("p95 ms", Fmt.Ms(result.P(95)));
        report.Add("p99 ms", Fmt.Ms(result.P(99)), "< 50", result.P(99) < 50);
        report.Add("bare Kestrel req/s", Fmt.N(bare.OkPerSecond));
        report.Add("bare p99 ms", Fmt.Ms(bare.P(99)));
        report.Add("ratio hubix/bare", ratio.ToString("0.00", CultureInfo.InvariantCulture), "≥ 0.4", ratio >= 0.4);
        report.Add("non-200 / errors", $"{result.Completed - result.Ok} / {result.TransportErrors}", "0", result.Completed == result.Ok && result.TransportErrors == 0);
        report.Add("events (distinct / dup requests)", $"{Fmt.N(plan.Distinct)} / {Fmt.N(plan.Duplicates)}");
        report.Add("inbox backlog at end, drain s", $"{Fmt.N(backlog)}, {drained:0.0}");
        report.Add("processing events/s (avg)", Fmt.N(check.InboxRows / Math.Max(0.001, totalElapsed)));
        // Not drained is not "lost": the acked events still pending are in the inbox; report them apart.
        var verdict = exactlyOnce ? "yes" : pending > 0 && check.DuplicateKeys == 0 && check.Unexpected == 0 ? $"not drained ({pending} rows pending)" : "NO";
        report.Add("exactly once (missing/dup/unexpected)", $"{verdict} ({check.MissingAcked}/{check.DuplicateKeys}/{check.Unexpected})", "yes", exactlyOnce);
        report.Add("dead letters", check.DeadLetters.ToString(CultureInfo.InvariantCulture));
        report.Add("hubix CPU (cores) / peak RSS", $"{hubixCpu:0.00} / {(peak is { } p ? Fmt.MiB(p.PeakRssBytes) : "?")}");
        report.Add("client CPU (cores)", $"{clientCpu:0.00}");
        if (pending > 0)
        {
            report.Note($"{pending} inbox rows still pending after {drainBound.TotalSeconds:0} s; not drained");
        }

        report.Note($"status codes: {string.Join(", ", result.StatusCodes.OrderBy(k => k.Key).Select(k => $"{k.Key}×{k.Value}"))}; unacked events found processed: {check.FoundUnacked}");
        report.Print();
        report.Record();
        return report.AllTargetsMet ? 0 : 1;
    }

    /// <summary>Which event each request carries, and which events got a 200.</summary>
    private sealed class Plan(IngestPayloads payloads, int workers, int seed)
    {
        private readonly byte[] _acked = new byte[Capacity];
        private readonly Random[] _random = Enumerable.Range(0, workers).Select(w => new Random(seed * 7919 + w)).ToArray();
        private long _next;
        private long _duplicates;

        public long Distinct => Math.Min(Interlocked.Read(ref _next), Capacity);
        public long Duplicates => Interlocked.Read(ref _duplicates);

        public PlannedRequest? Next(int w)
        {
            var rnd = _random[w];
            var issued = Interlocked.Read(ref _next);
            long e;
            var reformatted = false;
            if (issued > 100 && rnd.NextDouble() < DuplicateShare)
            {
                // A duplicate of a recent event: half byte-identical (Meta's retry; the inbox's body hash stops it),
                // half re-encoded (only the worker's dedupe key stops it).
                e = rnd.NextInt64(Math.Max(0, issued - 5000), issued);
                reformatted = rnd.Next(2) == 0;
                Interlocked.Increment(ref _duplicates);
            }
            else
            {
                e = Interlocked.Increment(ref _next) - 1;
                if (e >= Capacity)
                {
                    return null;
                }
            }

            var body = payloads.Body(e, reformatted);
            return new PlannedRequest(body, IngestPayloads.Sign(body), e);
        }

        public void OnResult(long e, int status)
        {
            if (status == 200)
            {
                Volatile.Write(ref _acked[e], 1);
            }
        }

        public async Task<Check> VerifyAsync(BenchDb db, CancellationToken ct)
        {
            var keys = await db.QueryAsync("SELECT \"DedupeKey\" FROM \"Interactions\" WHERE \"Direction\" IN ('in', 'status')", r => r.GetString(0), ct);
            var present = new HashSet<string>(keys, StringComparer.Ordinal);
            var dupKeys = keys.Count - present.Count;
            long missing = 0, foundUnacked = 0;
            var expected = new HashSet<string>(StringComparer.Ordinal);
            for (long e = 0; e < Distinct; e++)
            {
                var key = payloads.DedupeKey(e);
                expected.Add(key);
                var found = present.Contains(key);
                if (_acked[e] == 1 && !found)
                {
                    missing++;
                }
                else if (_acked[e] == 0 && found)
                {
                    foundUnacked++;
                }
            }

            var unexpected = present.Count(k => !expected.Contains(k));
            var inboxRows = await db.ScalarAsync("SELECT COUNT(*) FROM \"InboxEvents\"", ct);
            var deadLetters = await db.ScalarAsync("SELECT COUNT(*) FROM \"DeadLetters\"", ct);
            return new Check(missing, dupKeys, unexpected, foundUnacked, inboxRows, deadLetters);
        }
    }

    private sealed record Check(long MissingAcked, long DuplicateKeys, long Unexpected, long FoundUnacked, long InboxRows, long DeadLetters);
}

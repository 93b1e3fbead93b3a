using System.Collections.Concurrent;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>
/// Scenario 3: N advisors (default 2,000) got the daily template; all of them tap its button within --tap-window
/// seconds (default 10). Each tap unlocks a pack of 6 items. Measures tap → first item accepted and tap → whole
/// pack delivered, and checks on the phones (the sandbox) that every pack arrived whole, once, in order.
/// </summary>
public sealed class ClickstormScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 2_000;
        var bound = TimeSpan.FromSeconds(options.Timeout ?? (int)(advisors * (Stack.PackItems + 1) / options.Mps * 4 + options.TapWindow + 400));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);

        await using var stack = await Stack.StartAsync(options, "clickstorm", advisors, bound, Stack.SandboxArgs(options), Stack.HubixArgs(options), ct);
        Console.WriteLine($"clickstorm: {advisors} advisors tap within {options.TapWindow} s, packs of {Stack.PackItems}, {stack.Db.Provider}, load {context.LoadAtStart}");

        // 1. Everyone gets the daily template (not measured here; that is fanout).
        var queued = await stack.SendDailyAsync(ct);
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        await Stack.UntilAsync(async () =>
        {
            templates = (await stack.OutboxAsync(ct)).Where(r => r.Kind == "template" && r.WaMessageId is not null)
                .ToDictionary(r => r.Recipient.TrimStart('+'), r => r.WaMessageId!, StringComparer.Ordinal);
            return templates.Count >= queued;
        }, TimeSpan.FromSeconds(queued / options.Mps * 3 + 120), ct, pollMs: 500);
        Console.WriteLine($"templates accepted: {templates.Count} of {queued}");

        // 2. The storm.
        var taps = await Storm.TapAllAsync(stack, templates, options.TapWindow, options.Seed, ct);
        var tapped = taps.Values.Count(t => t.Id is not null);
        Console.WriteLine($"taps: {tapped} of {taps.Count} accepted by the sandbox");

        // 3. Wait for every pack to be delivered (or failed), bounded.
        var cpu = new CpuWatch(stack.Hubix.Sample);
        List<OutboxRow> packRows = [];
        var settled = await Stack.UntilAsync(async () =>
        {
            packRows = (await stack.OutboxAsync(ct)).Where(r => r.GroupKey is not null).ToList();
            return packRows.Count >= tapped * Stack.PackItems
                && packRows.All(r => r.State is OutboxRow.Delivered or OutboxRow.Read or OutboxRow.Failed);
        }, TimeSpan.FromSeconds(tapped * Stack.PackItems / options.Mps * 4 + 120), ct, pollMs: 500);
        await cpu.DisposeAsync();

        // 4. Latencies, from the bench's tap time to hubix's accept/delivered time (same clock), and hubix's own share:
        //    from storing the tap's webhook to the first item accepted (what is left is the webhook's wait at the sandbox).
        var (firstAccepted, delivered, hubixShare) = Storm.Latencies(taps, packRows, await stack.FirstInboundReceivedAsync(ct));

        // 5. What the phones saw.
        var phoneCheck = await Storm.CheckPhonesAsync(stack, taps.Where(t => t.Value.Id is not null).Select(t => t.Key).ToList(), ct);
        context.LoadAtEnd = RunContext.LoadAverage();

        var p95 = Fmt.Percentile(firstAccepted, 95);
        var report = new Report("clickstorm", context, options);
        report.Add("db", stack.Db.Provider);
        report.Add("taps (accepted by sandbox)", $"{Fmt.N(tapped)} of {Fmt.N(advisors)} in {options.TapWindow:0.#} s");
        report.Add("tap→first accepted p50 ms", Fmt.Ms(Fmt.Percentile(firstAccepted, 50)));
        report.Add("tap→first accepted p95 ms", Fmt.Ms(p95), "< 500", p95 < 500);
        report.Add("tap→first accepted p99 ms", Fmt.Ms(Fmt.Percentile(firstAccepted, 99)));
        report.Add("webhook stored→first accepted p50/p95/p99 ms (hubix's share)",
            $"{Fmt.Ms(Fmt.Percentile(hubixShare, 50))} / {Fmt.Ms(Fmt.Percentile(hubixShare, 95))} / {Fmt.Ms(Fmt.Percentile(hubixShare, 99))}");
        report.Add("tap→pack delivered p50/p95/p99 ms",
            $"{Fmt.Ms(Fmt.Percentile(delivered, 50))} / {Fmt.Ms(Fmt.Percentile(delivered, 95))} / {Fmt.Ms(Fmt.Percentile(delivered, 99))}");
        report.Add("packs whole, once, in order", $"{phoneCheck.Good} of {tapped}", $"{tapped}", phoneCheck.Good == tapped && settled);
        report.Add("missing items / duplicated / out of order", $"{phoneCheck.MissingItems} / {phoneCheck.DuplicateItems} / {phoneCheck.OutOfOrder}");
        report.Add("hubix CPU avg (cores) / peak RSS", $"{cpu.Cores:0.00} / {Fmt.MiB(cpu.PeakRss)}");
        Storm.NoteUnsettled(report, settled, packRows);
        return report.Finish();
    }
}

/// <summary>Taps and phone checks shared by clickstorm and chaos.</summary>
public static class Storm
{
    public sealed record Tap(DateTime At, string? Id, int Status);

    /// <summary>Taps every phone's template once, at seeded random offsets within the window; returns tap time and wamid per phone.</summary>
    public static async Task<ConcurrentDictionary<string, Tap>> TapAllAsync(
        Stack stack, IReadOnlyDictionary<string, string> templates, double windowSeconds, int seed, CancellationToken ct)
    {
        var rnd = new Random(seed);
        var plan = templates.Select(t => (Item: (Phone: t.Key, Message: t.Value), Offset: TimeSpan.FromSeconds(rnd.NextDouble() * windowSeconds))).ToList();
        var result = new ConcurrentDictionary<string, Tap>(StringComparer.Ordinal);
        await SpreadAsync(plan, 64, async p =>
        {
            try
            {
                var at = DateTime.UtcNow;
                var (status, id) = await stack.TapAsync(p.Phone, p.Message, ct);
                result[p.Phone] = new Tap(at, id, status);
            }
            catch (HttpRequestException)
            {
                result[p.Phone] = new Tap(DateTime.UtcNow, null, 0);
            }
        }, ct);
        return result;
    }

    /// <summary>
    /// Polls the outbox every second and taps each wanted phone's template once it has a wamid (spread over up to 5 s a
    /// round), until <paramref name="target"/> phones tapped or the bound ran out; returns the taps the sandbox took.
    /// </summary>
    public static async Task<ConcurrentDictionary<string, Tap>> TapTemplatesAsTheyArriveAsync(
        Stack stack, int target, Func<string, bool> wanted, TimeSpan bound, Random rnd, CancellationToken ct, long afterOutboxId = 0)
    {
        var taps = new ConcurrentDictionary<string, Tap>(StringComparer.Ordinal);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (taps.Count < target && clock.Elapsed < bound)
        {
            var ready = (await stack.OutboxAsync(ct, afterOutboxId))
                .Where(r => r.Kind == "template" && r.WaMessageId is not null && wanted(r.Recipient.TrimStart('+')) && !taps.ContainsKey(r.Recipient.TrimStart('+')))
                .ToDictionary(r => r.Recipient.TrimStart('+'), r => r.WaMessageId!, StringComparer.Ordinal);
            if (ready.Count > 0)
            {
                foreach (var (k, v) in await TapAllAsync(stack, ready, Math.Min(5, ready.Count / 200.0), rnd.Next(), ct))
                {
                    if (v.Id is not null)
                    {
                        taps[k] = v;
                    }
                }
            }

            await Task.Delay(1000, ct);
        }

        return taps;
    }

    /// <summary>Says in the report which states the pack rows were left in when they did not all settle in time.</summary>
    public static void NoteUnsettled(Report report, bool settled, IEnumerable<OutboxRow> packRows)
    {
        if (!settled)
        {
            report.Note("not every pack row reached delivered/failed within the bound: " +
                string.Join(", ", packRows.GroupBy(r => r.State).Select(g => $"state {g.Key}×{g.Count()}")));
        }
    }

    /// <summary>Runs the action for each item at its offset from now, at most <paramref name="concurrency"/> at a time.</summary>
    public static async Task SpreadAsync<T>(IReadOnlyList<(T Item, TimeSpan Offset)> plan, int concurrency, Func<T, Task> action, CancellationToken ct)
    {
        var start = DateTime.UtcNow;
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(plan.OrderBy(p => p.Offset).Select(async p =>
        {
            var wait = start + p.Offset - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            await gate.WaitAsync(ct);
            try
            {
                await action(p.Item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>
    /// Per tapped phone, sorted: tap → first pack item accepted, tap → whole pack delivered (bench clock vs hubix's, same
    /// machine), and hubix's own share: from storing the tap's webhook to the first item accepted.
    /// </summary>
    public static (List<double> FirstAccepted, List<double> Delivered, List<double> HubixShare) Latencies(
        IReadOnlyDictionary<string, Tap> taps, IEnumerable<OutboxRow> packRows, IReadOnlyDictionary<string, DateTime> received)
    {
        var hubixShare = new List<double>();
        var firstAccepted = new List<double>();
        var delivered = new List<double>();
        foreach (var g in packRows.Where(r => r.GroupKey is not null).GroupBy(r => r.Recipient.TrimStart('+')))
        {
            if (!taps.TryGetValue(g.Key, out var tap) || tap.Id is null)
            {
                continue;
            }

            var first = g.Where(r => r.AcceptedAt is not null).Select(r => r.AcceptedAt!.Value).DefaultIfEmpty().Min();
            if (first != default)
            {
                firstAccepted.Add((first - tap.At).TotalMilliseconds);
                if (received.TryGetValue(g.Key, out var stored))
                {
                    hubixShare.Add((first - stored).TotalMilliseconds);
                }
            }

            if (g.Count() >= Stack.PackItems && g.All(r => r.DeliveredAt is not null || r.ReadAt is not null))
            {
                delivered.Add((g.Max(r => r.DeliveredAt ?? r.ReadAt!.Value) - tap.At).TotalMilliseconds);
            }
        }

        firstAccepted.Sort();
        delivered.Sort();
        hubixShare.Sort();
        return (firstAccepted, delivered, hubixShare);
    }

    public sealed record PhoneCheck(int Good, int MissingItems, int DuplicateItems, int OutOfOrder, int PacksMissingItems);

    /// <summary>
    /// On each phone, the pack items in the order the phone got them: each of 1..6 must be there (whole), no more
    /// than once (once), and in increasing order (in order).
    /// </summary>
    public static async Task<PhoneCheck> CheckPhonesAsync(Stack stack, IReadOnlyList<string> phones, CancellationToken ct)
    {
        int good = 0, missing = 0, dup = 0, disorder = 0, packsMissing = 0;
        using var gate = new SemaphoreSlim(16);
        var results = await Task.WhenAll(phones.Select(async phone =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var received = await stack.ReceivedAsync(phone, ct);
                return received.Select(m => m.Text ?? "").Where(t => t.Contains(Stack.ItemMarker, StringComparison.Ordinal))
                    .Select(t => int.Parse(t[(t.IndexOf(Stack.ItemMarker, StringComparison.Ordinal) + Stack.ItemMarker.Length)..].Split('/')[0], CultureInfo.InvariantCulture))
                    .ToList();
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var items in results)
        {
            var distinct = items.Distinct().Count();
            var m = Stack.PackItems - Enumerable.Range(1, Stack.PackItems).Count(items.Contains);
            var d = items.Count - distinct;
            // In order: the first occurrence of each item comes after the first occurrence of the one before.
            var firsts = Enumerable.Range(1, Stack.PackItems).Select(k => items.IndexOf(k)).Where(i => i >= 0).ToList();
            var o = firsts.Zip(firsts.Skip(1)).Count(z => z.Second < z.First);
            missing += m;
            dup += d;
            disorder += o;
            packsMissing += m > 0 ? 1 : 0;
            good += m == 0 && d == 0 && o == 0 ? 1 : 0;
        }

        return new PhoneCheck(good, missing, dup, disorder, packsMissing);
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Hubix.Bench;

/// <summary>
/// Scenario <c>webapp</c> (issue 17): the operator's web app in Debian's chromium against a seeded database
/// (--advisors, default 100,000, with --history-days of generated history, or a --db written by <c>history</c>). It times,
/// inside the page, what an operator waits for: a search typed into the advisors table until its rows are drawn, the
/// next page, the inbox's tabs and its older page, and opening a conversation. The clock starts at the keystroke or
/// click and stops when the new rows are in the DOM (a MutationObserver), so it includes the request, the server, the
/// JSON and the drawing; the advisors search also reports the request-to-rows part, without the 250 ms typing debounce.
/// </summary>
public sealed class WebAppScenario(Options options)
{
    private const string User = "bench-admin";

    // Installed by evaluation (the app's CSP refuses inline scripts, evaluation is not a script tag): marks what is on screen as stale, runs the action, and resolves when an element
    // matching `ready` that was not there before appears in `box` (or the box shows an error).
    private const string MeasureScript = """
        () => { window.__hubixMeasure = (box, ready, act) => new Promise((resolve) => {
          const root = document.querySelector(box);
          for (const n of root.querySelectorAll('*')) { n.setAttribute('data-stale', '1'); }
          const t0 = performance.now();
          const done = () => {
            const hit = [...root.querySelectorAll(ready)].find((n) => !n.hasAttribute('data-stale'));
            const err = [...root.querySelectorAll('.error')].find((n) => !n.hasAttribute('data-stale'));
            if (hit || err) { obs.disconnect(); resolve({ ms: performance.now() - t0, error: err ? err.textContent : null, rows: root.querySelectorAll(ready).length }); }
          };
          const obs = new MutationObserver(done);
          obs.observe(root, { childList: true, subtree: true });
          act();
        }); }
        """;

    public async Task<int> RunAsync(CancellationToken outer)
    {
        var advisors = options.Advisors ?? 100_000;
        var historyDays = options.HistoryDays ?? 3;
        if (options.DbPath is null && historyDays < 1)
        {
            throw new ArgumentException("webapp needs advisors in the database: --history-days 1 or more, or a --db written by history");
        }

        var chromium = Environment.GetEnvironmentVariable("HUBIX_TEST_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new NotAvailableException($"{chromium} is missing: apt-get install chromium, or set HUBIX_TEST_CHROMIUM");
        }

        var bound = TimeSpan.FromSeconds(options.Timeout ?? (int)(advisors * (double)historyDays / 4000 + 600));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(bound);
        var ct = cts.Token;
        var context = await RunContext.CaptureAsync(options, ct);

        async Task Prepare(BenchDb db, HubixBinary binary, string work, CancellationToken token)
        {
            if (options.DbPath is { } path)
            {
                File.Copy(path, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.ConnectionString).DataSource);
            }
            else
            {
                await History.PrepareAsync(binary, db, advisors, historyDays, options.Seed, work, token);
            }
        }

        await using var stack = await Stack.StartAsync(options, "webapp", advisors, bound, Stack.SandboxArgs(options), Stack.HubixArgs(options), ct,
            Prepare, importAdvisors: false);
        var advisorRows = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"Advisors\"", ct);
        var interactions = await stack.Db.ScalarAsync("SELECT COUNT(*) FROM \"Interactions\"", ct);
        var conversations = await stack.Db.ScalarAsync("SELECT COUNT(DISTINCT \"Phone\") FROM \"Interactions\" WHERE \"Direction\" = 'in' AND \"Type\" = 'text'", ct);
        Console.WriteLine($"webapp: {Fmt.N(advisorRows)} advisors, {Fmt.N(interactions)} interactions, {Fmt.N(conversations)} advisors who wrote; {stack.Db.Provider}; " +
            $"load {context.LoadAtStart}");

        var added = await stack.Binary.RunCheckedAsync(["users", "add", User, "--role", "admin", .. HubixServer.CommonArgs(stack.Db, null)], stack.WorkPath,
            TimeSpan.FromMinutes(1), ct);
        var password = added.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("password: ", StringComparison.Ordinal))?["password: ".Length..]
            ?? throw new InvalidOperationException("hubix users add printed no password: " + added);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } })).NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(stack.Hubix.BaseAddress.ToString());
        await page.Locator("#signin-name").FillAsync(User);
        await page.Locator("#signin-password").FillAsync(password);
        await page.Locator("#signin-submit").ClickAsync();
        await page.Locator("#app").WaitForAsync();

        var random = new Random(options.Seed);
        var timings = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var failures = new List<string>();
        var shown = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string name, double ms) => (timings.TryGetValue(name, out var l) ? l : timings[name] = []).Add(ms);

        async Task<double> Measure(string name, string box, string ready, string act)
        {
            var r = await page.EvaluateAsync<MeasureResult>($"() => window.__hubixMeasure({Js(box)}, {Js(ready)}, () => {{ {act} }})");
            if (r.Error is not null)
            {
                failures.Add($"{name}: {r.Error}");
            }

            Add(name, r.Ms);
            shown[name] = r.Rows;
            return r.Ms;
        }

        await page.EvaluateAsync(MeasureScript);

        // A view opened from another one: the module is cached after the first time, as in a working day.
        async Task Open(string name, string hash, string ready)
        {
            await page.EvaluateAsync("() => { location.hash = '#/settings'; }");
            await page.WaitForTimeoutAsync(300);
            await Measure(name, "#view", ready, $"location.hash = {Js(hash)};");
        }

        var rounds = Math.Max(5, options.Taps ?? 30);
        var sw = Stopwatch.StartNew();

        // 1. Advisors: the view opened, searches by phone and name prefix, and paging forward.
        // The first open fetches the view's module and meets cold caches: reported apart from the warm ones.
        for (var i = 0; i < 11; i++)
        {
            await Open(i == 0 ? "advisors: first open" : "advisors: view opened → rows", "#/advisors", "#advisors tbody tr");
        }

        for (var i = 0; i < rounds; i++)
        {
            var n = random.Next(advisors);
            var query = (i % 2) switch
            {
                // A phone prefix of 9 to 11 digits, as typed while reading it off a list.
                0 => (HistoryGenerator.PhoneBase + n).ToString(CultureInfo.InvariantCulture)[..(9 + random.Next(3))],
                _ => "Advisor " + n.ToString(CultureInfo.InvariantCulture)[..Math.Min(3, n.ToString(CultureInfo.InvariantCulture).Length)],
            };
            await Measure("advisors: search typed → rows", "#advisor-table", "#advisors tbody tr, p",
                $"const s = document.querySelector('#advisor-search'); s.value = {Js(query)}; s.dispatchEvent(new Event('input'));");
            Add("advisors: search request → rows", double.Parse(await page.Locator("#advisor-table").GetAttributeAsync("data-ms") ?? "NaN", CultureInfo.InvariantCulture));
        }

        await page.EvaluateAsync("() => { const s = document.querySelector('#advisor-search'); s.value = ''; s.dispatchEvent(new Event('input')); }");
        await page.WaitForTimeoutAsync(600);
        for (var i = 0; i < rounds; i++)
        {
            if (await page.Locator("#advisor-next").IsDisabledAsync())
            {
                break;
            }

            await Measure("advisors: next page → rows", "#advisor-table", "#advisors tbody tr", "document.querySelector('#advisor-next').click();");
        }

        // 2. The inbox: its tabs, the older page, and a conversation opened.
        for (var i = 0; i < 11; i++)
        {
            await Open(i == 0 ? "inbox: first open" : "inbox: view opened → list", "#/conversations", "#inbox-list li");
        }
        for (var i = 0; i < rounds / 3 + 1; i++)
        {
            foreach (var tab in await page.Locator("#view [role=tab]").AllAsync())
            {
                var key = await tab.GetAttributeAsync("data-filter") ?? "?";
                await Measure($"inbox: tab {key} → list", "#inbox-list", "li",
                    $"document.querySelector('#view [role=tab][data-filter=\"{key}\"]').click();");
            }
        }

        await page.EvaluateAsync("() => document.querySelector('#view [role=tab][data-filter=\"all\"]').click()");
        await page.WaitForTimeoutAsync(600);
        for (var i = 0; i < rounds; i++)
        {
            if (await page.Locator("#inbox-more").IsHiddenAsync())
            {
                break;
            }

            // Older pages are appended: the new items are the ones not marked stale.
            await Measure("inbox: older page → list", "#inbox-list", "li", "document.querySelector('#inbox-more').click();");
        }

        var items = await page.Locator("#inbox-list a.inbox-item").CountAsync();
        Console.WriteLine($"webapp: {items} conversations in the inbox list; more hidden: {await page.Locator("#inbox-more").IsHiddenAsync()}; hash {await page.EvaluateAsync<string>("() => location.hash")}");
        for (var i = 0; i < Math.Min(rounds, items); i++)
        {
            var index = random.Next(items);
            await Measure("inbox: conversation opened → thread", "#thread", "ol.messages li",
                $"document.querySelectorAll('#inbox-list a.inbox-item')[{index}].click();");
        }

        var seconds = sw.Elapsed.TotalSeconds;
        var report = new Report("webapp", context, options);
        report.Add("db", stack.Db.Provider);
        report.Add("advisors / interactions / advisors who wrote", $"{Fmt.N(advisorRows)} / {Fmt.N(interactions)} / {Fmt.N(conversations)}");
        // The first, cold open goes beside the warm ones in the same cell (the recorded table keeps its columns).
        foreach (var (name, values) in timings.Where(t => !t.Key.EndsWith("first open", StringComparison.Ordinal)))
        {
            var first = timings.TryGetValue(name.Split(':')[0] + ": first open", out var f) ? $"; first (cold) {Fmt.Ms(f[0])}" : "";
            values.Sort();
            var p95 = Fmt.Percentile(values, 95);
            // The 300 ms target is the issue's; a search typed includes the view's 250 ms debounce, so it has none.
            var target = name.Contains("typed", StringComparison.Ordinal) ? "" : "p95 < 300";
            report.Add(name + " p50 / p95 / max ms (n)",
                $"{Fmt.Ms(Fmt.Percentile(values, 50))} / {Fmt.Ms(p95)} / {Fmt.Ms(values[^1])} ({values.Count})" +
                (name.StartsWith("inbox: tab", StringComparison.Ordinal) && shown.TryGetValue(name, out var rows) ? $", {rows} rows" : "") +
                (name.Contains("view opened", StringComparison.Ordinal) ? first : ""), target, target.Length == 0 ? null : p95 < 300);
        }

        report.Add("page errors / failed loads", $"{errors.Count} / {failures.Count}", "0 / 0", errors.Count == 0 && failures.Count == 0);
        foreach (var e in errors.Concat(failures).Take(5))
        {
            report.Note(e);
        }

        report.Note($"browser part {seconds:0} s");
        return report.Finish();
    }

    private static string Js(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    // Playwright fills it by its settable properties (it needs a parameterless constructor).
    private sealed class MeasureResult
    {
        public double Ms { get; set; }
        public string? Error { get; set; }
        public int Rows { get; set; }
    }
}

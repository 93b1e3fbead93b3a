using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hubix.Agent;

/// <summary>
/// <c>hubix agent ask "text" [--phone P] [--name N] [--today YYYY-MM-DD] [--json]</c>: answers one message
/// locally and prints intent, reply, sources and latency. Sends nothing and needs no server.
/// </summary>
public static class AgentCli
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <param name="configure">Extra host set-up (tests, or the lead's shared configuration).</param>
    public static Command Create(Action<IHostApplicationBuilder>? configure = null)
    {
        var text = new Argument<string>("text") { Description = "The advisor's message" };
        var phone = new Option<string?>("--phone") { Description = "The advisor's phone number (E.164)" };
        var name = new Option<string?>("--name") { Description = "The advisor's name, for greetings" };
        var today = new Option<string?>("--today") { Description = "Answer as if today were this date (YYYY-MM-DD)" };
        var json = new Option<bool>("--json") { Description = "Print {intent, reply, sources, latencyMs, llm, lang, replyLang} as JSON" };
        var noModel = new Option<bool>("--lexical") { Description = "Do not load the embedding model (lexical rules only)" };

        var ask = new Command("ask", "Answer one message as the agent would, without sending it");
        ask.Arguments.Add(text);
        ask.Options.Add(phone);
        ask.Options.Add(name);
        ask.Options.Add(today);
        ask.Options.Add(json);
        ask.Options.Add(noModel);
        ask.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var output = r.InvocationConfiguration.Output;
            // Unmatched tokens are configuration overrides (--Hubix:Agent:FaqPath=...), as for every hubix subcommand.
            var settings = new HostApplicationBuilderSettings { DisableDefaults = false, Args = [.. r.UnmatchedTokens] };
            var builder = Host.CreateApplicationBuilder(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddAgentServices();
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (r.GetValue(today) is { } day)
            {
                if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    await r.InvocationConfiguration.Error.WriteLineAsync("--today must be YYYY-MM-DD");
                    return 2;
                }

                overrides[AgentOptions.Section + ":Today"] = day;
            }

            if (r.GetValue(noModel))
            {
                overrides[AgentOptions.Section + ":EmbeddingModelEnabled"] = "false";
            }

            builder.Configuration.AddInMemoryCollection(overrides);
            configure?.Invoke(builder);
            using var host = builder.Build();
            var model = host.Services.GetRequiredService<AgentModel>();
            model.StartLoading();
            try
            {
                await model.Ready.WaitAsync(TimeSpan.FromSeconds(60), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await r.InvocationConfiguration.Error.WriteLineAsync("Embedding model not available; using lexical rules: " + ex.Message);
            }

            var engine = host.Services.GetRequiredService<AgentEngine>();
            var answer = await engine.AnswerAsync(
                new AgentQuestion(r.GetValue(text) ?? "", r.GetValue(phone), [], r.GetValue(name)), ct);
            if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["intent"] = answer.Intent,
                    ["reply"] = answer.Reply,
                    ["sources"] = answer.Sources,
                    ["latencyMs"] = Math.Round(answer.LatencyMs, 1),
                    ["llm"] = answer.Llm,
                    ["lang"] = answer.Lang,
                    ["replyLang"] = answer.ReplyLang,
                }, s_json));
            }
            else
            {
                await output.WriteLineAsync($"intent:  {answer.Intent} ({answer.Path})");
                await output.WriteLineAsync($"lang:    {answer.Lang} (reply {answer.ReplyLang})");
                await output.WriteLineAsync("reply:   " + answer.Reply.Replace("\n", "\n         ", StringComparison.Ordinal));
                if (answer.Buttons is { Count: > 0 } buttons)
                {
                    await output.WriteLineAsync("buttons: " + string.Join(" | ", buttons.Select(b => b.Title)));
                }

                await output.WriteLineAsync("sources: " + (answer.Sources.Count == 0 ? "-" : string.Join(", ", answer.Sources)));
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"latency: {answer.LatencyMs:F1} ms{(answer.Llm ? " (llm)" : "")}"));
            }

            return 0;
        });

        var footprint = new Command("footprint",
            "Print the memory the Hindi and Hinglish models take: resident and managed memory before and after building them (JSON)");
        footprint.SetAction(async (ParseResult _, CancellationToken ct) =>
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(LanguageFootprint.Measure(), s_json));
            return 0;
        });

        var agent = new Command("agent", "The AI CRM agent");
        agent.Subcommands.Add(ask);
        agent.Subcommands.Add(footprint);
        return agent;
    }
}

/// <summary>
/// What the language models cost in memory (issue 18's "no growth in idle memory beyond 20 MB"): the process's resident
/// set (<c>/proc/self/status</c> VmRSS) and the managed heap after a full collection, before and after the n-gram
/// classifier, the transliteration lexicon, the language detector and the fixed texts are built and each used once.
/// Nothing else is loaded in between (no host, no MiniLM), so the difference is theirs.
/// </summary>
internal static class LanguageFootprint
{
    public sealed record Result(double RssBeforeMb, double RssAfterMb, double RssGrowthMb, double ManagedBeforeMb, double ManagedAfterMb, double ManagedGrowthMb);

    public static Result Measure()
    {
        var (rss0, heap0) = Now();
        var examples = NgramClassifier.Default;
        string[] samples = ["मैसेज बंद कर दीजिए", "stop karo yaar", "aaj ka content bhejo", "nifty kahan band hua?", "What is an SIP?"];
        foreach (var text in samples)
        {
            var canonical = Transliteration.Canonical(text);
            _ = examples.Scores(canonical);
            _ = StopRules.Check(canonical);
            _ = LanguageDetector.Detect(text);
        }

        _ = AgentTexts.For(AgentLanguages.Hindi).Help + AgentTexts.For(AgentLanguages.Hinglish).Help;
        var (rss1, heap1) = Now();
        return new Result(rss0, rss1, Math.Round(rss1 - rss0, 1), heap0, heap1, Math.Round(heap1 - heap0, 1));
    }

    private static (double RssMb, double ManagedMb) Now()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var managed = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1);
        var rss = 0.0;
        if (File.Exists("/proc/self/status"))
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb))
            {
                rss = Math.Round(kb / 1024.0, 1);
            }
        }

        return (rss, managed);
    }
}

using Hubix.Agent;

namespace Hubix.Tests.Agent;

public sealed class AgentLanguageTests(AgentModelFixture fixture)
{
    private static string I18nEvalPath => Path.Combine(AgentTestHost.RepoRoot, "tests", "Hubix.Tests", "Agent", "agent-eval-i18n.jsonl");

    [Fact]
    public async Task RunAsync_HindiHinglishEvalWithModel_HoldoutTargetsAndEveryStopRecognised()
    {
        using var sp = AgentTestHost.Build(fixture.Model, new() { ["Hubix:Agent:Today"] = "2026-11-27" }, TimeProvider.System);

        var result = await AgentEvaluation.RunAsync(sp.Engine(), I18nEvalPath, TestContext.Current.CancellationToken);

        Report(result);
        var items = await AgentEvaluation.LoadAsync(I18nEvalPath, TestContext.Current.CancellationToken);
        Assert.True(items.Count(i => i.Language != AgentLanguages.English) >= 150);
        Assert.Equal(AgentIntents.All.Order(StringComparer.Ordinal), items.Select(i => i.Intent).Distinct().Order(StringComparer.Ordinal));
        // The worst errors: a STOP not recognised, a STOP answered with content, someone unsubscribed who did not ask.
        Assert.True(result.OptOutRecall.Correct == result.OptOutRecall.Total, $"opt-out recall {result.OptOutRecall.Correct}/{result.OptOutRecall.Total}");
        Assert.Empty(result.StopsUnlocked);
        Assert.Empty(result.FalseOptOuts);
        foreach (var lang in AgentLanguages.All)
        {
            var holdout = result.BySplitLang["holdout/" + lang];
            Assert.True(holdout.Accuracy >= 0.95, $"holdout {lang}: {holdout.Correct}/{holdout.Total}");
        }

        Assert.True(result.LanguageDetection.Accuracy >= 0.97, $"language detection {result.LanguageDetection.Accuracy:P1}");
        Assert.True(result.ReplyLanguage.Accuracy >= ReplyLanguageTarget, $"reply language {result.ReplyLanguage.Accuracy:P1}");
    }

    [Fact]
    public async Task RunAsync_HindiHinglishEvalWithoutModel_EveryStopStillRecognised()
    {
        using var sp = AgentTestHost.Build(model: null, new() { ["Hubix:Agent:Today"] = "2026-11-27" }, TimeProvider.System);

        var result = await AgentEvaluation.RunAsync(sp.Engine(), I18nEvalPath, TestContext.Current.CancellationToken);

        Report(result);
        Assert.DoesNotContain(AgentPaths.Embedding, result.ByPath.Keys);
        Assert.True(result.OptOutRecall.Correct == result.OptOutRecall.Total, $"opt-out recall {result.OptOutRecall.Correct}/{result.OptOutRecall.Total}");
        Assert.Empty(result.StopsUnlocked);
        Assert.Empty(result.FalseOptOuts);
    }

    [Fact]
    public async Task EvalSet_SharesNoMessageWithTheTrainingExamples()
    {
        var training = IntentExamples.ByIntent.Concat(IntentExamples.Multilingual).SelectMany(kv => kv.Value)
            .Select(Transliteration.Canonical).ToHashSet(StringComparer.Ordinal);

        var items = await AgentEvaluation.LoadAsync(I18nEvalPath, TestContext.Current.CancellationToken);

        var shared = items.Where(i => training.Contains(Transliteration.Canonical(i.Text))).Select(i => i.Text).ToList();
        Assert.True(shared.Count == 0, string.Join(" | ", shared));
    }

    [Theory]
    [InlineData("मैसेज बंद कर दीजिए", AgentLanguages.Hindi)]
    [InlineData("मुझे अनसब्सक्राइब करें", AgentLanguages.Hindi)]
    [InlineData("stop karo yaar", AgentLanguages.Hinglish)]
    [InlineData("ab ye sab nahi chahiye, unsubscribe karo", AgentLanguages.Hinglish)]
    [InlineData("STOP करो", AgentLanguages.Hindi)]
    [InlineData("please stop sending these", AgentLanguages.English)]
    public async Task AnswerAsync_IssueStopMessages_OptOutConfirmedInTheirLanguage(string text, string lang)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.OptOut, answer.Intent);
        Assert.Equal(lang, answer.Lang);
        Assert.Equal(lang, answer.ReplyLang);
        Assert.Equal(AgentTexts.For(lang).OptOut, answer.Reply);
        Assert.Equal(lang, AgentEvaluation.ReplyLanguageOf(answer.Reply));
    }

    [Theory]
    [InlineData("aaj ka content nahi chahiye")]
    [InlineData("photo mat bhejo")]
    [InlineData("बहुत ज़्यादा मैसेज आते हैं, बस करो")]
    [InlineData("too many messages honestly")]
    public async Task AnswerAsync_AmbiguousStop_AsksWithAnOptOutButtonAndUnlocksNothing(string text)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.ConfirmOptOut, answer.Intent);
        Assert.Equal(AgentIntents.OptOut, answer.Buttons![0].Id);
        Assert.All(answer.Buttons, b => Assert.True(b.Title.Length <= 20, b.Title));
        Assert.Empty(answer.Sources);
    }

    [Theory]
    [InlineData("निफ्टी कहाँ बंद हुआ", AgentIntents.MarketQuestion)]
    [InlineData("market band hone ke baad update bhejo", AgentIntents.UnlockUpdates)]
    [InlineData("message band kaise karein?", AgentIntents.Faq)]
    [InlineData("SIP band karu kya abhi", AgentIntents.AdviceRequest)]
    public async Task AnswerAsync_BandThatIsNotAStop_NotAnOptOut(string text, string expected)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(expected, answer.Intent);
    }

    [Fact]
    public async Task AnswerAsync_BandMatKaro_NeverUnsubscribes()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("band mat karo, content accha hai");

        Assert.NotEqual(AgentIntents.OptOut, answer.Intent);
        Assert.NotEqual(AgentIntents.ConfirmOptOut, answer.Intent);
    }

    [Theory]
    [InlineData("hi", AgentLanguages.Hindi)]
    [InlineData("hi-Latn", AgentLanguages.Hinglish)]
    [InlineData("en", AgentLanguages.English)]
    [InlineData(null, AgentLanguages.English)]
    public async Task AnswerAsync_MessageWithoutALanguage_RepliesInTheAdvisorsLanguage(string? advisorLanguage, string expected)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AnswerAsync(
            new AgentQuestion("STOP", "+919800000001", [], null) { AdvisorLanguage = advisorLanguage }, TestContext.Current.CancellationToken);

        Assert.Equal(AgentIntents.OptOut, answer.Intent);
        Assert.Equal(expected, answer.ReplyLang);
        Assert.Equal(AgentTexts.For(expected).OptOut, answer.Reply);
    }

    [Fact]
    public async Task AnswerAsync_HindiMarketQuestion_QuotesTheStoredUpdateInAHindiFrame()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("निफ्टी कितने पर बंद हुआ?");

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.True(answer.Sources.Contains("pack 2026-11-27"), answer.Reply + " / " + string.Join(",", answer.Sources));
        Assert.Contains("के मार्केट अपडेट से", answer.Reply, StringComparison.Ordinal);
        Assert.Contains(AgentTexts.Hindi.Disclaimer, answer.Reply, StringComparison.Ordinal);
        // Every figure of the reply comes from the stored pack (or is the pack's date).
        var pack = await File.ReadAllTextAsync(Path.Combine(AgentTestHost.RepoRoot, "samples", "content", "2026-11-27", "pack.json"), TestContext.Current.CancellationToken);
        var stored = TextTools.Figures(pack).ToHashSet(StringComparer.Ordinal);
        Assert.All(TextTools.Figures(answer.Reply.Replace("2026-11-27", "", StringComparison.Ordinal)), f => Assert.Contains(f, stored));
    }

    [Theory]
    [InlineData("मैसेज बंद कर दीजिए", "hi", false)]
    [InlineData("stop करो", "hi", false)]
    [InlineData("aaj ka content bhej do", "hi-Latn", false)]
    [InlineData("nifty kitne pe band hua", "hi-Latn", false)]
    [InlineData("how did the market close", "en", false)]
    [InlineData("STOP", "en", true)]
    [InlineData("👍", "en", true)]
    public void Detect_Message_LanguageAndNeutrality(string text, string lang, bool neutral)
    {
        var detected = LanguageDetector.Detect(text);

        Assert.Equal(lang, detected.Lang);
        Assert.Equal(neutral, detected.Neutral);
    }

    [Theory]
    [InlineData("मैसेज बंद कर दीजिए", "message band kar dijiye")]
    [InlineData("मुझे अनसब्सक्राइब करें", "mujhe unsubscribe karein")]
    [InlineData("msg band kro plz", "message band karo please")]
    [InlineData("समझ", "samajh")]
    [InlineData("बाज़ार", "bazaar")]
    public void Canonical_HindiAndHinglish_OneRomanisedForm(string text, string expected)
    {
        Assert.Equal(expected, Transliteration.Canonical(text));
    }

    private const double ReplyLanguageTarget = 0.98;

    [Fact]
    public void NgramClassifier_Build_AllocatesWellUnderTheIssuesTwentyMegabytes()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var classifier = new NgramClassifier(IntentExamples.ByIntent.Concat(IntentExamples.Multilingual).SelectMany(kv => kv.Value.Select(t => (kv.Key, t))));

        // Everything it allocates, garbage included: an upper bound of what it keeps in memory.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        TestContext.Current.TestOutputHelper!.WriteLine($"n-gram classifier: {allocated / 1024.0 / 1024.0:F2} MB allocated to build");
        Assert.True(allocated < 20 * 1024 * 1024, $"{allocated} bytes");
        Assert.NotEmpty(classifier.Scores("stop"));
    }

    internal static void Report(EvalResult result)
    {
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"overall {result.Overall.Correct}/{result.Overall.Total} = {result.Accuracy:P1}");
        foreach (var (k, r) in result.BySplitLang.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{k}: {r.Correct}/{r.Total} = {r.Accuracy:P1}");
        }

        foreach (var (k, r) in result.ByIntent.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"intent {k}: {r.Correct}/{r.Total} = {r.Accuracy:P1}");
        }

        output.WriteLine($"opt-out recall {result.OptOutRecall.Correct}/{result.OptOutRecall.Total}; stops unlocked {result.StopsUnlocked.Count}; false opt-outs {result.FalseOptOuts.Count}");
        output.WriteLine($"language detected {result.LanguageDetection.Accuracy:P1}; reply language {result.ReplyLanguage.Correct}/{result.ReplyLanguage.Total} = {result.ReplyLanguage.Accuracy:P1}");
        output.WriteLine($"p50 {result.P50Ms:F1} ms, p95 {result.P95Ms:F1} ms; paths {string.Join(", ", result.ByPath.Select(kv => $"{kv.Key} {kv.Value.Correct}/{kv.Value.Total}"))}");
        foreach (var miss in result.Misses)
        {
            output.WriteLine($"MISS [{miss.Split} {miss.Lang}] \"{miss.Text}\" expected {miss.Expected}, got {miss.Actual} ({miss.Path})");
        }

        foreach (var (text, expected, actual) in result.ReplyLanguageMisses)
        {
            output.WriteLine($"REPLY LANG \"{text}\" expected {expected}, reply in {actual}");
        }

        foreach (var miss in result.FalseOptOuts)
        {
            output.WriteLine($"FALSE OPT-OUT [{miss.Split} {miss.Lang}] \"{miss.Text}\" expected {miss.Expected}");
        }
    }
}

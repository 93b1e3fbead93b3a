using System.Text.RegularExpressions;
using Hubix.Agent;

namespace Hubix.Tests.Agent;

public sealed partial class AgentEngineTests(AgentModelFixture fixture)
{
    [Theory]
    [InlineData("STOP", AgentIntents.OptOut)]
    [InlineData("Unsubscribe", AgentIntents.OptOut)]
    [InlineData("बंद करो", AgentIntents.OptOut)]
    [InlineData("रोको", AgentIntents.OptOut)]
    [InlineData("band karo", AgentIntents.OptOut)]
    [InlineData("START", AgentIntents.OptIn)]
    [InlineData("shuru karo", AgentIntents.OptIn)]
    [InlineData("HELP", AgentIntents.Help)]
    [InlineData("MENU", AgentIntents.Help)]
    [InlineData("aaj ka update bhejo", AgentIntents.UnlockUpdates)]
    [InlineData("photo bhejo", AgentIntents.UnlockImages)]
    public async Task AnswerAsync_Commands_RecognisedLexicallyWithoutModel(string text, string intent)
    {
        using var sp = AgentTestHost.Build(model: null);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(intent, answer.Intent);
        Assert.Equal(AgentPaths.Lexical, answer.Path);
    }

    [Fact]
    public async Task AnswerAsync_StopThenStart_ConfirmsEach()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var stop = await sp.Engine().AskAsync("STOP");
        var start = await sp.Engine().AskAsync("START");

        Assert.Equal(AgentIntents.OptOut, stop.Intent);
        Assert.Contains("START", stop.Reply, StringComparison.Ordinal);
        Assert.Equal(AgentIntents.OptIn, start.Intent);
    }

    [Fact]
    public async Task AnswerAsync_QuestionAboutStopping_AnswersFromFaqWithoutUnsubscribing()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("how can I stop these messages?");

        Assert.Equal(AgentIntents.Faq, answer.Intent);
        Assert.Equal(["FAQ: how-to-stop"], answer.Sources);
    }

    [Theory]
    [InlineData("should I buy HDFC flexi cap?")]
    [InlineData("which fund should my client sell")]
    [InlineData("kaunsa fund lena chahiye")]
    public async Task AnswerAsync_AdviceRequest_DeclinedWithPersonOffered(string text)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.AdviceRequest, answer.Intent);
        // In the advisor's language ("kaunsa fund lena chahiye" is Hinglish).
        Assert.Contains(AgentTexts.For(answer.ReplyLang).Advice, answer.Reply, StringComparison.Ordinal);
        Assert.Contains(AgentTexts.For(answer.ReplyLang).Disclaimer, answer.Reply, StringComparison.Ordinal);
        Assert.Contains(answer.Buttons!, b => b.Id == AgentIntents.Handoff);
        Assert.Empty(answer.Sources);
    }

    [Theory]
    [InlineData("where did nifty close yesterday?", "26,276.35")]
    [InlineData("what is the 10 year bond yield", "6.41%")]
    [InlineData("how much were SIP inflows in October", "29,870")]
    public async Task AnswerAsync_MarketQuestion_QuotesLatestPackWithOnlyStoredFigures(string text, string expected)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.Contains(expected, answer.Reply, StringComparison.Ordinal);
        Assert.Contains("not investment advice", answer.Reply, StringComparison.Ordinal);
        Assert.NotEmpty(answer.Sources);
        Assert.All(answer.Sources, s => Assert.Matches(@"^pack 2026-11-2[0-7]$", s));
        Assert.Contains(answer.Sources[0], answer.Reply, StringComparison.Ordinal);
        await AssertGroundedAsync(sp, answer);
    }

    [Fact]
    public async Task AnswerAsync_MarketQuestion_IgnoresPacksAfterToday()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("how did the market do this week");

        Assert.DoesNotContain(answer.Sources, s => string.CompareOrdinal(s, "pack 2026-11-27") > 0);
        Assert.DoesNotContain("26,318.05", answer.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerAsync_MarketQuestionBeforeModelLoads_AnswersLexicallyFromPacks()
    {
        using var sp = AgentTestHost.Build(model: null);

        var answer = await sp.Engine().AskAsync("where did the sensex close?");

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.NotEqual(AgentPaths.Embedding, answer.Path);
        Assert.Contains("Sensex", answer.Reply, StringComparison.Ordinal);
        await AssertGroundedAsync(sp, answer);
    }

    [Theory]
    [InlineData("what time does the content come?", "delivery-time", "When does the content arrive?")]
    [InlineData("can I get the content in Hindi?", "change-language", "another language")]
    [InlineData("is this investment advice?", "not-advice", "Is this investment advice?")]
    public async Task AnswerAsync_FaqQuestion_QuotesNamedEntry(string text, string id, string title)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.Faq, answer.Intent);
        Assert.Equal(["FAQ: " + id], answer.Sources);
        Assert.Contains("FAQ: " + id, answer.Reply, StringComparison.Ordinal);
        Assert.Contains(title, answer.Reply, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("who won the cricket match yesterday")]
    [InlineData("book me a cab to the airport")]
    public async Task AnswerAsync_Unanswerable_SaysSoAndOffersMenu(string text)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.Unknown, answer.Intent);
        Assert.Contains("I don't have that", answer.Reply, StringComparison.Ordinal);
        Assert.Equal(AgentEngine.Menu, answer.Buttons);
    }

    [Fact]
    public async Task AnswerAsync_MarketQuestionWithNoMatchingPassage_SaysIDontHaveThat()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("what was the bitcoin price in 2019?");

        Assert.Contains("I don't have that", answer.Reply, StringComparison.Ordinal);
        Assert.Empty(answer.Sources);
    }

    [Fact]
    public async Task AnswerAsync_TopicOnlyInLaterPack_SaysIDontHaveThat()
    {
        using var sp = AgentTestHost.Build(fixture.Model); // today 27 Nov; the RBI date is in the 29 Nov pack

        var answer = await sp.Engine().AskAsync("when is the RBI policy?");

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.Contains("I don't have that", answer.Reply, StringComparison.Ordinal);
        Assert.Equal(AgentEngine.Menu, answer.Buttons);
    }

    [Theory]
    [InlineData("निफ्टी कहाँ बंद हुआ")]
    [InlineData("did FIIs buy or sell this week?")]
    [InlineData("market kaisa raha aaj")]
    public async Task AnswerAsync_MarketQuestionsThatLookLikeOtherIntents_AnsweredFromLatestPack(string text)
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync(text);

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.Equal("pack 2026-11-27", answer.Sources[0]);
        await AssertGroundedAsync(sp, answer);
    }

    [Fact]
    public async Task AnswerAsync_Help_MenuFitsWhatsAppButtons()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("help");

        Assert.Equal(AgentIntents.Help, answer.Intent);
        Assert.InRange(answer.Buttons!.Count, 1, 3);
        Assert.All(answer.Buttons, b => Assert.InRange(b.Title.Length, 1, 20));
        Assert.All(answer.Buttons, b => Assert.Contains(b.Id, AgentIntents.All));
    }

    [Theory]
    [InlineData("and tomorrow?")]
    [InlineData("aur kal?")]
    [InlineData("what about the sensex")]
    public async Task AnswerAsync_FollowUpAfterMarketQuestion_StaysMarketQuestion(string followUp)
    {
        using var sp = AgentTestHost.Build(fixture.Model);
        AgentTurn[] history =
        [
            new(AgentTurn.UserRole, "how did nifty close yesterday?"),
            new(AgentTurn.AgentRole, "From the pack 2026-11-27 market update: ..."),
        ];

        var answer = await sp.Engine().AskAsync(followUp, history);

        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.NotEmpty(answer.Sources);
        await AssertGroundedAsync(sp, answer);
    }

    [Fact]
    public async Task AnswerAsync_FollowUpWithoutContext_IsNotMarketQuestion()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("aur kal?");

        Assert.NotEqual(AgentIntents.MarketQuestion, answer.Intent);
    }

    [Fact]
    public async Task AnswerAsync_StopAfterMarketQuestion_IsStillOptOut()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("stop", new AgentTurn(AgentTurn.UserRole, "how did nifty close?", AgentIntents.MarketQuestion));

        Assert.Equal(AgentIntents.OptOut, answer.Intent);
    }

    [Fact]
    public async Task AnswerAsync_UnlockImages_NamesTodaysPack()
    {
        using var sp = AgentTestHost.Build(fixture.Model);

        var answer = await sp.Engine().AskAsync("send today's images please");

        Assert.Equal(AgentIntents.UnlockImages, answer.Intent);
        Assert.Equal(["pack 2026-11-27"], answer.Sources);
    }

    [Fact]
    public async Task PackDirectoryKnowledgeSource_SampleLibrary_SevenPacksOfSixItems()
    {
        using var sp = AgentTestHost.Build(model: null);
        var source = new PackDirectoryKnowledgeSource(Microsoft.Extensions.Options.Options.Create(new AgentOptions
        {
            ContentPath = Path.Combine(AgentTestHost.RepoRoot, "samples", "content"),
        }));

        var passages = await source.GetPassagesAsync(TestContext.Current.CancellationToken);

        Assert.Equal(42, passages.Count);
        Assert.Equal(7, passages.Select(p => p.Date).Distinct().Count());
        Assert.All(passages, p => Assert.DoesNotContain("{", p.Text, StringComparison.Ordinal));
        Assert.Equal(14, passages.Count(p => p.Kind == KnowledgePassage.UpdateKind));
    }

    private static async Task AssertGroundedAsync(Microsoft.Extensions.DependencyInjection.ServiceProvider sp, AgentAnswer answer)
    {
        var passages = new List<KnowledgePassage>();
        foreach (var source in Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetServices<IKnowledgeSource>(sp))
        {
            passages.AddRange(await source.GetPassagesAsync(TestContext.Current.CancellationToken));
        }

        var stored = passages.SelectMany(p => Figures(p.Text + " " + p.Source)).ToHashSet();
        var invented = Figures(answer.Reply).Where(f => !stored.Contains(f)).ToList();
        Assert.True(invented.Count == 0, "figures not in any passage: " + string.Join(", ", invented) + "\n" + answer.Reply);
    }

    private static IEnumerable<string> Figures(string text) =>
        FigureRegex().Matches(text).Select(m => m.Value.Replace(",", "").TrimEnd('.'));

    [GeneratedRegex(@"\d[\d,]*(?:\.\d+)?")]
    private static partial Regex FigureRegex();
}

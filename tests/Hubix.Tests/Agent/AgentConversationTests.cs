using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.Tests.Wiring;
using Hubix.Tests.DailyPack;
using Hubix.DailyPack;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hubix.Tests.Agent;

/// <summary>
/// The agent in the running server: a sandbox phone texts Hubix over real HTTP, the inbox records the turn,
/// the AgentWorker answers through the outbox, and the phone receives the reply.
/// </summary>
public class AgentConversationTests(AgentModelFixture fixture)
{
    private const string Advisor = "919811100001";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Conversation_answers_from_packs_keeps_the_topic_unlocks_and_hands_off(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        var today = await ImportTodaysPackAsync(pair);
        var packSource = "pack " + today;

        // A market question: a grounded reply quoting today's pack, with intent and sources on the turns.
        var q1 = await pair.TextAsync(Advisor, "what is the nifty outlook?");
        var reply1 = await ReplyToAsync(pair, q1);
        Assert.Contains(packSource, Body(reply1), StringComparison.Ordinal);
        var (user1, agent1) = await TurnsAsync(pair, q1);
        Assert.Equal(AgentIntents.MarketQuestion, user1.Intent);
        Assert.Contains(packSource, user1.SourceList());
        Assert.Equal(AgentIntents.MarketQuestion, agent1!.Intent);
        Assert.NotNull(agent1.OutboxId);

        // The follow-up keeps the topic.
        var q2 = await pair.TextAsync(Advisor, "and tomorrow?");
        var reply2 = await ReplyToAsync(pair, q2);
        Assert.Contains(packSource, Body(reply2), StringComparison.Ordinal);
        Assert.Equal(AgentIntents.MarketQuestion, (await TurnsAsync(pair, q2)).User.Intent);

        // The dashboard's conversation carries the agent's intent and sources.
        var conversations = await pair.Hubix.Admin.GetFromJsonAsync<JsonNode>($"/api/webhook/conversations?phone={Advisor}", Ct);
        var messages = conversations!["items"]![0]!["messages"]!.AsArray();
        Assert.Contains(messages, m => m!["direction"]!.GetValue<string>() == "out" && m["intent"]?.GetValue<string>() == AgentIntents.MarketQuestion
            && m["sources"]!.AsArray().Any(s => s!.GetValue<string>() == packSource));
        Assert.Contains(messages, m => m!["direction"]!.GetValue<string>() == "in" && m["intent"]?.GetValue<string>() == AgentIntents.MarketQuestion);

        // "send today's images": the images of today's pack arrive through the unlock path.
        var q3 = await pair.TextAsync(Advisor, "send today's images");
        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(Advisor)).Any(m => m!["type"]!.GetValue<string>() == "image"),
            "today's image to arrive");
        Assert.Equal(AgentIntents.UnlockImages, (await TurnsAsync(pair, q3)).User.Intent);
        var unlock = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<UnlockRecord>().SingleAsync(u => u.TapMessageId == q3, Ct));
        Assert.Equal(UnlockScopes.Images, unlock.Scope);
        await ReplyToAsync(pair, q3); // the short confirmation

        // Hand-off: flagged, confirmed once, then silence until an operator closes it.
        var q4 = await pair.TextAsync(Advisor, "I want to talk to someone");
        await ReplyToAsync(pair, q4);
        Assert.Equal(AgentIntents.Handoff, (await TurnsAsync(pair, q4)).User.Intent);
        var advisor = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<Advisor>().AsNoTracking().SingleAsync(a => a.Phone == Advisor, Ct));
        Assert.True(advisor.HandoffOpen);
        Assert.NotNull(advisor.HandoffAt);

        // The dashboard's metrics count the agent's answers by intent and the hand-off (today in India).
        // The host's folder counts every second; a fold from here skips the notes it holds (SKIP LOCKED on PostgreSQL),
        // so wait for the hand-off to be counted instead of assuming one fold saw it.
        JsonNode day = null!;
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await global::Hubix.Dashboard.MetricFolder.FoldAllAsync(pair.Hubix.Db, Ct);
            var metrics = await pair.Hubix.Admin.GetFromJsonAsync<JsonNode>($"/api/webhook/metrics?from={today}&to={today}", Ct);
            day = metrics!["days"]![0]!;
            return day["handoffs"]?.GetValue<int>() == 1 && day["agentAnswersByIntent"]?[AgentIntents.Handoff] is not null;
        }, "the hand-off in the metrics");
        Assert.Equal(2, day["agentAnswersByIntent"]![AgentIntents.MarketQuestion]!.GetValue<int>());
        Assert.Equal(1, day["agentAnswersByIntent"]![AgentIntents.Handoff]!.GetValue<int>());
        Assert.Equal(1, day["handoffs"]!.GetValue<int>());

        var agentRows = (await UnlockKit.OutboxAsync(pair.Hubix, "agent")).Count;
        var q5 = await pair.TextAsync(Advisor, "what is the nifty outlook?");
        await HubixTestHost.EventuallyAsync(async () => await FindTurnAsync(pair, q5, AgentTurn.UserRole) is { State: ConversationTurnState.Silent },
            "the message during the hand-off to be recorded, silent");
        Assert.Null(await FindTurnAsync(pair, q5, AgentTurn.AgentRole));
        Assert.Equal(agentRows, (await UnlockKit.OutboxAsync(pair.Hubix, "agent")).Count);

        var close = await pair.Hubix.Admin.PostAsync($"/api/conversations/{Advisor}/handoff/close", null, Ct);
        Assert.Equal(HttpStatusCode.NoContent, close.StatusCode);
        var q6 = await pair.TextAsync(Advisor, "what is the nifty outlook?");
        Assert.Contains(packSource, Body(await ReplyToAsync(pair, q6)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_Hindi_stop_unsubscribes_and_is_confirmed_in_Hindi_an_ambiguous_one_asks_and_unlocks_nothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        await ImportTodaysPackAsync(pair);

        // "I don't want today's content": not clearly a STOP, and certainly not a request for content.
        var maybe = await pair.TextAsync(Advisor, "aaj ka content nahi chahiye");
        await ReplyToAsync(pair, maybe);
        var (maybeUser, maybeAgent) = await TurnsAsync(pair, maybe);
        Assert.Equal((AgentIntents.ConfirmOptOut, AgentLanguages.Hinglish), (maybeUser.Intent, maybeUser.Lang));
        Assert.Equal(("interactive", AgentLanguages.Hinglish), (maybeAgent!.Kind, maybeAgent.Lang));
        Assert.Equal(0, await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<UnlockRecord>().CountAsync(Ct)));
        Assert.Equal(AdvisorStatus.Active, (await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<Advisor>().AsNoTracking().SingleAsync(a => a.Phone == Advisor, Ct))).Status);

        var stop = await pair.TextAsync(Advisor, "मुझे अनसब्सक्राइब करें");
        var reply = await ReplyToAsync(pair, stop);

        Assert.Equal(AgentTexts.Hindi.OptOut, Body(reply));
        var (user, agent) = await TurnsAsync(pair, stop);
        Assert.Equal((AgentIntents.OptOut, AgentLanguages.Hindi), (user.Intent, user.Lang));
        Assert.Equal(("opted_out", AgentLanguages.Hindi), (agent!.Note, agent.Lang));
        var advisor = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<Advisor>().AsNoTracking().SingleAsync(a => a.Phone == Advisor, Ct));
        Assert.Equal(AdvisorStatus.OptedOut, advisor.Status);
    }

    [Fact]
    public async Task The_agents_unlock_goes_through_the_unlock_use_case_and_its_after_commit_actions_run()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        await ImportTodaysPackAsync(pair);
        await using var live = await LiveListener.ConnectAsync(pair.Hubix);

        var wamid = await pair.TextAsync(Advisor, "send today's images");

        // UnlockService announces a pack after its unit of work commits. The agent's unit of work ran that action: the
        // old agent path collected after-commit actions in a batch nobody ran, and this event never came.
        var started = await live.WaitForAsync("pack", e => e.DataStr("state") == "delivering", "the agent's unlock, announced after its commit");
        var unlock = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<UnlockRecord>().SingleAsync(u => u.TapMessageId == wamid, Ct));
        Assert.Equal(unlock.Id, started.GetProperty("data").GetProperty("unlockId").GetInt64());
        Assert.Equal((UnlockScopes.Images, "text", "today"), (unlock.Scope, unlock.TapKind, unlock.ResolvedBy));
        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(Advisor)).Any(m => m!["type"]!.GetValue<string>() == "image"),
            "today's image to arrive");
    }

    [Fact]
    public async Task Duplicate_webhook_and_a_re_answered_turn_send_one_reply()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        var today = await ImportTodaysPackAsync(pair);
        var at = pair.Hubix.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        const string wamid = "wamid.agent.duplicate.1";
        var body = UnlockKit.Text(Advisor, wamid, at, "what is the nifty outlook?");

        await UnlockKit.PostAsync(pair.Hubix, body);
        await UnlockKit.PostAsync(pair.Hubix, body); // Meta's retry: the same body
        await UnlockKit.PostAsync(pair.Hubix, body.Replace("\"messaging_product\"", " \"messaging_product\"", StringComparison.Ordinal)); // another body, same wamid
        var reply = await ReplyToAsync(pair, wamid);
        Assert.Contains("pack " + today, Body(reply), StringComparison.Ordinal);

        // A crash before the commit means the turn is answered again: the outbox key keeps it to one message.
        await using (var ctx = pair.Hubix.Db.CreateDbContext())
        {
            await ctx.Set<ConversationTurn>().Where(t => t.InboundWamid == wamid && t.Role == AgentTurn.AgentRole).ExecuteDeleteAsync(Ct);
            await ctx.Set<ConversationTurn>().Where(t => t.InboundWamid == wamid).ExecuteUpdateAsync(s => s.SetProperty(t => t.State, ConversationTurnState.Pending), Ct);
        }

        pair.Hubix.Services.GetRequiredService<AgentSignal>().Notify();
        await HubixTestHost.EventuallyAsync(async () => await FindTurnAsync(pair, wamid, AgentTurn.AgentRole) is not null, "the turn to be answered again");
        Assert.Single(await UnlockKit.OutboxAsync(pair.Hubix, "agent"));
        await HubixTestHost.EventuallyAsync(async () => (await UnlockKit.OutboxAsync(pair.Hubix, "agent")).All(o => o.State >= OutboxState.Accepted), "the reply to be sent");
        Assert.Single(await pair.PhoneMessagesAsync(Advisor));
        Assert.Single(await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<ConversationTurn>().Where(t => t.InboundWamid == wamid && t.Role == AgentTurn.UserRole).ToListAsync(Ct)));
    }

    [Fact]
    public async Task Stop_gets_only_the_unlock_features_reply_and_unknown_senders_get_no_agent_reply()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        await ImportTodaysPackAsync(pair);
        const string stranger = "919811199999";

        var stop = await pair.TextAsync(Advisor, "STOP");
        var question = await pair.TextAsync(stranger, "what is the nifty outlook?");

        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(Advisor)).Count >= 1, "the opt-out confirmation");
        await HubixTestHost.EventuallyAsync(async () => (await pair.PhoneMessagesAsync(stranger)).Count >= 1, "the unknown-sender reply");
        var stopTurn = await FindTurnAsync(pair, stop, AgentTurn.UserRole);
        Assert.Equal(ConversationTurnState.Skipped, stopTurn!.State); // decided in the inbox transaction: never answered by the agent
        Assert.Equal(AgentIntents.OptOut, stopTurn.Intent);
        Assert.Null(await FindTurnAsync(pair, question, AgentTurn.UserRole));
        Assert.Empty(await UnlockKit.OutboxAsync(pair.Hubix, "agent"));
        Assert.Single(await pair.PhoneMessagesAsync(Advisor));
        Assert.Single(await pair.PhoneMessagesAsync(stranger));
        var consent = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<ConsentEvent>().SingleAsync(Ct));
        Assert.Equal("keyword", consent.Source);
    }

    [Fact]
    public async Task Agent_opt_out_phrase_writes_the_consent_ledger_with_source_agent_and_menu_buttons_are_interactive()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await StartAsync(database);
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));

        var help = await pair.TextAsync(Advisor, "help");
        var menu = await ReplyToAsync(pair, help);
        Assert.Equal("interactive", menu["type"]!.GetValue<string>());
        Assert.Equal(3, menu["buttons"]!.AsArray().Count);

        // Tapping "Talk to a person" on the menu is the hand-off intent, without recognising any text.
        var tap = await pair.TapAsync(Advisor, menu["id"]!.GetValue<string>(), "Talk to a person");
        await ReplyToAsync(pair, tap);
        var (user, _) = await TurnsAsync(pair, tap);
        Assert.Equal(AgentIntents.Handoff, user.Intent);
        Assert.Equal(AgentPaths.Button, user.Path);
        await pair.Hubix.Admin.PostAsync($"/api/conversations/{Advisor}/handoff/close", null, Ct);

        var optOut = await pair.TextAsync(Advisor, "please stop sending me these messages");
        await ReplyToAsync(pair, optOut);
        var consent = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<ConsentEvent>().SingleAsync(Ct));
        Assert.Equal("agent", consent.Source);
        Assert.Equal(AdvisorStatus.OptedOut, consent.Status);
    }

    private async Task<SandboxPair> StartAsync(TestDatabase database) =>
        await SandboxPair.StartAsync(database,
            hubixArgs:
            [
                "--Hubix:Schedule:Enabled=false",
                $"--Hubix:Agent:FaqPath={Path.Combine(AgentTestHost.RepoRoot, "samples", "faq.md")}",
                $"--Hubix:Agent:ContentPath={Path.Combine(AgentTestHost.RepoRoot, "samples", "content")}",
            ],
            configureHubix: b =>
            {
                // One embedding model for all agent tests (loading it per server costs 450 MB each).
                b.Services.RemoveAll<AgentModel>();
                b.Services.AddSingleton(fixture.Model);
            });

    /// <summary>Imports a pack dated today (India) through POST /api/packs, media uploaded to the sandbox; returns the date.</summary>
    private static async Task<string> ImportTodaysPackAsync(SandboxPair pair)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var now = pair.Hubix.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var json = $$"""
            {"date":"{{today}}","category":"","description":"Nifty outlook",
             "items":[
               {"kind":"image","file":"nifty.png","caption":"Nifty outlook for {date}: support near 26,000. Shared by {name}."},
               {"kind":"post","text":"SIPs build wealth one month at a time."},
               {"kind":"update","text":"Market update {date}: The Nifty 50 rose 0.4% to 26,215.30 and the Sensex gained 310 points. Banks led the gains."}
             ]}
            """;
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(json), "pack");
        var png = new ByteArrayContent(await File.ReadAllBytesAsync(Fixtures.Path(Path.Combine("content", "2026-11-24", "nifty.png")), Ct));
        png.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(png, "files", "nifty.png");
        var response = await pair.Hubix.Admin.PostAsync("/api/packs", form, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return today;
    }

    /// <summary>Waits for the agent's reply to one inbound message to reach the phone and returns it.</summary>
    private static async Task<JsonNode> ReplyToAsync(SandboxPair pair, string inboundWamid)
    {
        JsonNode? found = null;
        await HubixTestHost.EventuallyAsync(async () =>
        {
            var turn = await FindTurnAsync(pair, inboundWamid, AgentTurn.AgentRole);
            if (turn?.OutboxId is not { } outboxId)
            {
                return false;
            }

            var row = await UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.Id == outboxId, Ct));
            if (row.WaMessageId is null)
            {
                return false;
            }

            found = (await pair.PhoneMessagesAsync(row.Recipient)).FirstOrDefault(m => m!["id"]!.GetValue<string>() == row.WaMessageId);
            return found is not null;
        }, $"the agent's reply to {inboundWamid} on the phone");
        return found!;
    }

    private static string Body(JsonNode message) => message["text"]?.GetValue<string>() ?? "";

    private static Task<ConversationTurn?> FindTurnAsync(SandboxPair pair, string wamid, string role) =>
        UnlockKit.WithDbAsync(pair.Hubix, db => db.Set<ConversationTurn>().AsNoTracking().SingleOrDefaultAsync(t => t.InboundWamid == wamid && t.Role == role, Ct));

    private static async Task<(ConversationTurn User, ConversationTurn? Agent)> TurnsAsync(SandboxPair pair, string wamid) =>
        ((await FindTurnAsync(pair, wamid, AgentTurn.UserRole))!, await FindTurnAsync(pair, wamid, AgentTurn.AgentRole));
}

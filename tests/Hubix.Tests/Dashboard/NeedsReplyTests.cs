using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Agent;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Tests.Agent;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Dashboard;

/// <summary>
/// The inbox's "needs a reply" and "handed off", computed by the server (docs/decisions/ADR-012-the-web-app.md): a sandbox
/// phone writes over real HTTP, the assistant answers through the outbox, an operator replies from the API.
/// </summary>
public class NeedsReplyTests(AgentModelFixture fixture)
{
    private const string Advisor = "919811100001";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_question_the_agent_answers_leaves_the_list_a_handed_off_chat_enters_it_and_an_operator_reply_takes_it_out(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await SandboxPair.StartAsync(database,
            hubixArgs: ["--Hubix:Schedule:Enabled=false", $"--Hubix:Agent:FaqPath={Path.Combine(AgentTestHost.RepoRoot, "samples", "faq.md")}"],
            configureHubix: b =>
            {
                b.Services.RemoveAll<AgentModel>();
                b.Services.AddSingleton(fixture.Model);
            });
        await UnlockKit.AddAdvisorsAsync(pair.Hubix, (Advisor, "Priya", "Asia/Kolkata"));
        var host = pair.Hubix;

        // A question: the assistant answers it, and the conversation does not need a reply (nor is it handed off).
        var q1 = await pair.TextAsync(Advisor, "what is a SIP?");
        await AnsweredByAgentAsync(host, q1);
        Assert.DoesNotContain(Advisor, await PhonesAsync(host, "needs_reply"));
        Assert.False((await OneAsync(host)).NeedsReply);
        Assert.Equal(new ConversationCounts(0, 0), await CountsAsync(host));

        // Asking for a person: the assistant's "a colleague will reply" is not an answer once a person has the chat.
        var q2 = await pair.TextAsync(Advisor, "I want to talk to someone");
        await AnsweredByAgentAsync(host, q2);
        Assert.True((await OneAsync(host)).HandoffOpen);
        Assert.Contains(Advisor, await PhonesAsync(host, "needs_reply"));
        Assert.Contains(Advisor, await PhonesAsync(host, "handed_off"));
        Assert.Equal(new ConversationCounts(1, 1), await CountsAsync(host));

        // An operator's reply answers it; it stays handed off.
        var reply = await host.Admin.PostAsJsonAsync($"/api/conversations/{Advisor}/reply", new { text = "Hello Priya, how can I help?" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        Assert.DoesNotContain(Advisor, await PhonesAsync(host, "needs_reply"));
        Assert.Contains(Advisor, await PhonesAsync(host, "handed_off"));
        Assert.False((await OneAsync(host)).NeedsReply);

        // The advisor writes again while handed off: it needs a reply again, and the assistant stays silent.
        var q3 = await pair.TextAsync(Advisor, "my SIP failed this month");
        await HubixTestHost.EventuallyAsync(async () => (await PhonesAsync(host, "needs_reply")).Contains(Advisor), "the new message to need a reply");
        await HubixTestHost.EventuallyAsync(async () => await UnlockKit.WithDbAsync(host, db => db.Set<ConversationTurn>()
            .AnyAsync(t => t.InboundWamid == q3 && t.State == ConversationTurnState.Silent, Ct)), "the assistant to stay silent");
        Assert.Equal(new ConversationCounts(1, 1), await CountsAsync(host));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Paging_each_tab_returns_every_conversation_once_in_order(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, [], new FakeTimeProvider(DashboardScenario.Now));
        var at = new DateTime(2026, 3, 10, 1, 0, 0, DateTimeKind.Utc);
        await using (var ctx = host.Db.CreateDbContext())
        {
            // 90 conversations; pairs share a timestamp, so the phone breaks ties across page boundaries.
            for (var i = 0; i < 90; i++)
            {
                var t = at.AddMinutes(i / 2);
                ctx.Add(new Advisor
                {
                    Phone = "91980000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), Name = "A" + i, CreatedAt = at, UpdatedAt = at,
                    LastInboundAt = t, LastChatAt = t, NeedsReplyAt = i % 3 == 0 ? null : t, HandoffOpen = i % 4 == 0,
                });
            }

            await ctx.SaveChangesAsync(Ct);
        }

        foreach (var (state, expected) in new[] { ("needs_reply", 60), ("handed_off", 23), ("all", 90) })
        {
            var seen = new List<ConversationDto>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var url = $"/api/webhook/conversations?state={state}&limit=7&messages=1" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
                var page = (await host.Admin.GetFromJsonAsync<ConversationPage>(url, Web, Ct))!;
                seen.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null && ++pages < 50);

            Assert.Equal(expected, seen.Count);
            Assert.Equal(expected, seen.Select(c => c.Phone).Distinct().Count());
            Assert.Equal(seen.OrderByDescending(c => c.LastAt).ThenByDescending(c => c.Phone, StringComparer.Ordinal).Select(c => c.Phone), seen.Select(c => c.Phone));
            Assert.All(seen, c => Assert.True(state switch { "needs_reply" => c.NeedsReply, "handed_off" => c.HandoffOpen, _ => true }, state + ": " + c.Phone));
        }

        var bad = await host.Admin.GetAsync("/api/webhook/conversations?state=waiting", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static async Task<List<string>> PhonesAsync(HubixTestHost host, string state) =>
        (await host.Admin.GetFromJsonAsync<ConversationPage>($"/api/webhook/conversations?state={state}&messages=1", Web, Ct))!.Items.Select(c => c.Phone).ToList();

    private static async Task<ConversationDto> OneAsync(HubixTestHost host) =>
        Assert.Single((await host.Admin.GetFromJsonAsync<ConversationPage>($"/api/webhook/conversations?phone={Advisor}&messages=1", Web, Ct))!.Items);

    private static async Task<ConversationCounts> CountsAsync(HubixTestHost host) =>
        (await host.Admin.GetFromJsonAsync<ConversationCounts>("/api/webhook/conversations/counts", Web, Ct))!;

    /// <summary>Waits until the assistant's answer to <paramref name="wamid"/> is committed (its reply turn carries the outbox row).</summary>
    private static Task AnsweredByAgentAsync(HubixTestHost host, string wamid) =>
        HubixTestHost.EventuallyAsync(async () => await UnlockKit.WithDbAsync(host, db => db.Set<ConversationTurn>()
            .AnyAsync(t => t.InboundWamid == wamid && t.Role == AgentTurn.AgentRole && t.OutboxId != null, Ct)), $"the assistant's answer to {wamid}");
}

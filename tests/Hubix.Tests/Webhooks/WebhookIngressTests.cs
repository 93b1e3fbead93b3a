using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Webhooks;

public class WebhookIngressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Signed_sample_shows_up_in_interactions_and_unsigned_one_nowhere(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);

        var unsigned = await host.PostWebhookAsync(Fixtures.Read("inbound-image.json"), signature: null);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        var signed = await host.PostWebhookAsync(Fixtures.Read("inbound-text.json"));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

        InteractionsResponse? list = null;
        await HubixTestHost.EventuallyAsync(async () =>
        {
            list = await host.Admin.GetFromJsonAsync<InteractionsResponse>("/api/interactions", Ct);
            return list!.Items.Count > 0;
        }, "the text to be recorded");

        var item = Assert.Single(list!.Items);
        Assert.Equal("text", item.Type);
        Assert.Equal("in", item.Direction);
        Assert.Equal("16505551234", item.Phone);
        Assert.StartsWith("wamid.", item.WaMessageId, StringComparison.Ordinal);

        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(1, await ctx.Set<InboxEvent>().CountAsync(Ct));
        Assert.Equal(0, await ctx.Set<DeadLetter>().CountAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_message_delivered_ten_times_concurrently_is_one_interaction(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        var body = Fixtures.Read("inbound-template-quick-reply-button.json");
        // Meta's retries are byte-identical; a second app's copy may differ in whitespace. Send both kinds.
        var variants = Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? body : body.Replace("\n", "\n" + new string(' ', i), StringComparison.Ordinal)).ToList();

        var responses = await Task.WhenAll(variants.Select(v => host.PostWebhookAsync(v)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        await using var ctx = host.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(
            async () => await ctx.Set<InboxEvent>().AllAsync(e => e.State == InboxState.Done, Ct),
            "every stored body processed");
        var taps = await ctx.Set<Interaction>().Where(i => i.Type == "button").ToListAsync(Ct);
        var tap = Assert.Single(taps);
        Assert.Equal("Unsubscribe", tap.Payload);
        Assert.Equal("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=", tap.Context);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stored_but_unprocessed_body_is_processed_by_the_next_host(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // The first host stores the body but its worker never runs: the "kill between commit and processing".
        await using (var first = await HubixTestHost.StartAsync(database, configure: b =>
        {
            var worker = b.Services.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)
                && d.ImplementationFactory is not null && d.ImplementationFactory.Method.ToString()!.Contains("InboxWorker", StringComparison.Ordinal));
            b.Services.Remove(worker);
        }))
        {
            var response = await first.PostWebhookAsync(Fixtures.Read("inbound-interactive-button-reply.json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var ctx = first.Db.CreateDbContext();
            Assert.Equal(InboxState.Pending, (await ctx.Set<InboxEvent>().SingleAsync(Ct)).State);
        }

        await using var second = await HubixTestHost.StartAsync(database);
        await using var ctx2 = second.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx2.Set<Interaction>().AnyAsync(i => i.Type == "button_reply", Ct), "the second host to process it");
        Assert.Equal(InboxState.Done, (await ctx2.Set<InboxEvent>().SingleAsync(Ct)).State);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_tap_stored_behind_a_backlog_of_statuses_is_processed_before_them(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var statuses = Enumerable.Range(0, 5)
            .Select(i => Fixtures.Read("status-delivered.json").Replace("\"id\": \"wamid.", $"\"id\": \"wamid.backlog{i}", StringComparison.Ordinal)).ToList();
        await using (var first = await HubixTestHost.StartAsync(database, configure: WithoutInboxWorker))
        {
            foreach (var body in statuses)
            {
                Assert.Equal(HttpStatusCode.OK, (await first.PostWebhookAsync(body)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await first.PostWebhookAsync(Fixtures.Read("inbound-template-quick-reply-button.json"))).StatusCode);
        }

        // One row per batch, so the order of processing is the order of the interactions' ids.
        await using var second = await HubixTestHost.StartAsync(database, ["--Hubix:Inbox:BatchSize=1"]);
        await using var ctx = second.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(
            async () => await ctx.Set<InboxEvent>().AllAsync(e => e.State == InboxState.Done, Ct), "the backlog to be processed");
        var order = await ctx.Set<Interaction>().OrderBy(i => i.Id).Select(i => i.Direction).ToListAsync(Ct);
        Assert.Equal(6, order.Count);
        Assert.Equal("in", order[0]);
        Assert.All(order.Skip(1), d => Assert.Equal("status", d));
        Assert.Equal(1, await ctx.Set<InboxEvent>().CountAsync(e => e.Priority == 0, Ct));
    }

    private static void WithoutInboxWorker(Microsoft.AspNetCore.Builder.WebApplicationBuilder b)
    {
        var worker = b.Services.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)
            && d.ImplementationFactory is not null && d.ImplementationFactory.Method.ToString()!.Contains("InboxWorker", StringComparison.Ordinal));
        b.Services.Remove(worker);
    }

    public static TheoryData<string, string, HttpStatusCode> BadInputs => new()
    {
        { "empty body", "", HttpStatusCode.BadRequest },
        { "truncated JSON", "{\"object\":\"whatsapp_business_account\",\"entry\":[{", HttpStatusCode.BadRequest },
        { "wrong object", "{\"object\":\"page\",\"entry\":[]}", HttpStatusCode.BadRequest },
        { "missing entry", "{\"object\":\"whatsapp_business_account\"}", HttpStatusCode.BadRequest },
        { "array root", "[1,2,3]", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Signed_malformed_body_gets_400_and_is_dead_lettered(string name, string body, HttpStatusCode expected)
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);

        var response = await host.PostWebhookAsync(body);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var letters = await host.Admin.GetFromJsonAsync<List<DeadLetterResponse>>("/api/dead-letters", Ct);
        var letter = Assert.Single(letters!);
        Assert.Equal("ingress", letter.Source);
        Assert.Equal(body, letter.Body);
        Assert.False(string.IsNullOrEmpty(letter.Reason), name);
    }

    [Fact]
    public async Task Body_over_three_MiB_gets_413_and_nothing_is_stored()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        var huge = "{\"object\":\"whatsapp_business_account\",\"entry\":[],\"pad\":\"" + new string('x', 4 * 1024 * 1024) + "\"}";

        var response = await host.PostWebhookAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(0, await ctx.Set<InboxEvent>().CountAsync(Ct));
    }

    [Fact]
    public async Task Bad_signature_gets_401_and_nothing_is_stored_anywhere()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        var body = Fixtures.Read("inbound-text.json");

        var wrong = await host.PostWebhookAsync(body, "sha256=" + new string('0', 64));
        var garbage = await host.PostWebhookAsync(body, "not-a-signature");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(0, await ctx.Set<InboxEvent>().CountAsync(Ct));
        Assert.Equal(0, await ctx.Set<DeadLetter>().CountAsync(Ct));
    }

    [Fact]
    public async Task During_a_secret_rotation_webhooks_signed_with_the_previous_secret_are_accepted_and_others_are_not()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:WhatsApp:PreviousAppSecret=the-old-app-secret"]);
        var text = Encoding.UTF8.GetBytes(Fixtures.Read("inbound-text.json"));
        var image = Encoding.UTF8.GetBytes(Fixtures.Read("inbound-image.json"));
        static string SignedWith(byte[] body, string secret) => Hubix.WhatsApp.Webhooks.WebhookSignature.Sign(body, Encoding.UTF8.GetBytes(secret));

        var current = await host.PostWebhookAsync(text, SignedWith(text, HubixTestHost.AppSecret));
        var previous = await host.PostWebhookAsync(image, SignedWith(image, "the-old-app-secret"));
        var other = await host.PostWebhookAsync(text, SignedWith(text, "some-other-secret"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized), (current.StatusCode, previous.StatusCode, other.StatusCode));
        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(2, await ctx.Set<InboxEvent>().CountAsync(Ct));
    }

    [Fact]
    public async Task Message_without_id_and_ids_as_numbers_lose_nothing()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        const string body = """
        {"object":"whatsapp_business_account","entry":[{"id":123,"changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"phone_number_id":106540352242922},
          "messages":[
            {"from":16505551234,"timestamp":1750091045,"type":"text","text":{"body":"no id here"}},
            {"from":16505551234,"id":987654321,"timestamp":1750091046,"type":"text","text":{"body":"numeric id"}}
          ]}}]}]}
        """;

        var response = await host.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<InboxEvent>().AllAsync(e => e.State == InboxState.Done, Ct), "processing");
        var numeric = await ctx.Set<Interaction>().SingleAsync(Ct);
        Assert.Equal("987654321", numeric.WaMessageId);
        Assert.Equal("16505551234", numeric.Phone);
        var letter = await ctx.Set<DeadLetter>().SingleAsync(Ct);
        Assert.Equal("item", letter.Source);
        Assert.Contains("no id", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("no id here", Encoding.UTF8.GetString(letter.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verification_handshake_echoes_challenge_only_for_the_right_token()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);

        var ok = await host.Client.GetAsync($"/webhook?hub.mode=subscribe&hub.verify_token={HubixTestHost.VerifyToken}&hub.challenge=1158201444", Ct);
        var wrong = await host.Client.GetAsync("/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444", Ct);
        var mode = await host.Client.GetAsync($"/webhook?hub.mode=unsubscribe&hub.verify_token={HubixTestHost.VerifyToken}&hub.challenge=1", Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync(Ct));
        Assert.Equal("text/plain", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, mode.StatusCode);
    }

    [Fact]
    public async Task Admin_api_needs_the_key_and_health_does_not()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/api/interactions", Ct)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/interactions");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(wrong, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync("/api/interactions", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz", Ct)).StatusCode);
    }

    public sealed record InteractionsResponse(List<InteractionItem> Items);
    public sealed record InteractionItem(long Id, DateTime At, string? Phone, string? UserId, string Direction, string Type, string? Payload, string? WaMessageId, string? Context);
    public sealed record DeadLetterResponse(long Id, string Source, string Reason, string Body);
}

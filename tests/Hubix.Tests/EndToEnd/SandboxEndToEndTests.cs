using System.Net.Http.Json;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.EndToEnd;

/// <summary>Hubix and the sandbox over real HTTP: a template goes out, the phone taps, the tap and the statuses come back signed.</summary>
public class SandboxEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Template_tap_comes_back_with_the_template_wamid_and_signed_statuses(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await SandboxPair.StartAsync(database);
        var client = pair.Hubix.Services.GetRequiredService<WhatsAppCloudClient>();
        const string phone = "919800000001";

        var templates = await client.ListTemplatesAsync(Ct);
        Assert.True(templates.IsSuccess, templates.Error?.Message);
        Assert.Contains(templates.Value!, t => t.Name == "daily_content_ready_v1" && t.IsApproved);

        var sent = await client.SendAsync(
            OutboundMessage.Template(phone, "daily_content_ready_v1", "en", ["Market", "24 Nov 2026", "Nifty outlook"], ["RETRIEVE_CONTENT:2026-11-24"]),
            bizOpaqueCallbackData: "42", Ct);
        Assert.True(sent.IsAccepted, sent.Error?.Message);
        var templateWamid = sent.MessageId!;

        var tapWamid = await pair.TapAsync(phone, templateWamid, "Retrieve Content");

        await using var ctx = pair.Hubix.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<Interaction>().AnyAsync(i => i.Type == "button", Ct), "the tap to be recorded");
        var tap = await ctx.Set<Interaction>().SingleAsync(i => i.Type == "button", Ct);
        Assert.Equal(tapWamid, tap.WaMessageId);
        Assert.Equal(templateWamid, tap.Context);
        Assert.Equal("RETRIEVE_CONTENT:2026-11-24", tap.Payload);
        Assert.Equal(phone, tap.Phone);

        // Statuses were signed by the sandbox with the app secret and accepted by Hubix's check; they echo our callback data.
        await HubixTestHost.EventuallyAsync(
            async () => await ctx.Set<Interaction>().CountAsync(i => i.Direction == "status" && i.WaMessageId == templateWamid, Ct) >= 3,
            "sent, delivered and read statuses");
        var statuses = await ctx.Set<Interaction>().Where(i => i.Direction == "status" && i.WaMessageId == templateWamid).ToListAsync(Ct);
        Assert.Equal(["delivered", "read", "sent"], statuses.Select(s => s.Type).Order());
        Assert.All(statuses, s => Assert.Equal("42", s.Context));
        Assert.Equal(0, await ctx.Set<DeadLetter>().CountAsync(Ct));
    }

    [Fact]
    public async Task Webhooks_signed_with_another_secret_are_refused_and_stored_nowhere()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var pair = await SandboxPair.StartAsync(database, sandboxSettings: new Dictionary<string, string?>
        {
            ["Hubix:WhatsApp:AppSecret"] = "a-different-secret",
        });
        const string phone = "919800000002";

        await pair.TextAsync(phone, "hello");

        var counters = pair.Hubix.Services.GetRequiredService<WebhookCounters>();
        await HubixTestHost.EventuallyAsync(
            () => Task.FromResult(counters.RejectedCounts.ContainsKey("bad_signature")), "the sandbox's webhook to be refused");
        await using var ctx = pair.Hubix.Db.CreateDbContext();
        Assert.Equal(0, await ctx.Set<InboxEvent>().CountAsync(Ct));
        Assert.Equal(0, counters.AcceptedCount);
    }
}

public class OutboxThroughSandboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Queued_template_is_sent_by_the_dispatcher_and_tracked_to_read(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await SandboxPair.StartAsync(database);
        const string phone = "919800000003";
        var now = pair.Hubix.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

        await using (var work = await Hubix.Data.UnitOfWork.BeginAsync(pair.Hubix.Db, now, Ct))
        {
            await pair.Hubix.Services.GetRequiredService<Hubix.Delivery.Outbox>().EnqueueAsync(work, new Hubix.Delivery.OutboxRequest(
                OutboundMessage.Template(phone, "daily_content_ready_v1", "en", ["Market", "24 Nov 2026", "Nifty"], ["RETRIEVE_CONTENT:2026-11-24"]),
                "e2e:template:1", Hubix.Delivery.OutboxPurpose.Daily, Hubix.Delivery.OutboxPriority.Background), Ct);
            await work.CommitAsync(Ct);
        }

        await using var check = pair.Hubix.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(
            // Status webhooks arrive in any order (the sandbox delivers them concurrently): wait for all three.
            async () => await check.Set<Hubix.Delivery.OutboxMessage>().AnyAsync(
                o => o.State == Hubix.Delivery.OutboxState.Read && o.SentAt != null && o.DeliveredAt != null && o.ReadAt != null, Ct),
            "the template to be sent, delivered and read on the phone");
        var row = await check.Set<Hubix.Delivery.OutboxMessage>().SingleAsync(Ct);
        var received = await pair.PhoneMessagesAsync(phone);
        var message = Assert.Single(received);
        Assert.Equal(row.WaMessageId, message!["id"]!.GetValue<string>());
        Assert.Equal(row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), message["bizOpaqueCallbackData"]!.GetValue<string>());
        Assert.NotNull(row.SentAt);
        Assert.NotNull(row.DeliveredAt);
        Assert.NotNull(row.ReadAt);
    }
}

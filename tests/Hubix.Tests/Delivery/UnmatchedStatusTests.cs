using System.Net;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Delivery;

/// <summary>
/// Status webhooks that match no outbox row when they arrive are kept by delivery itself (<see cref="UnmatchedStatus"/>),
/// never looked up in the CRM's interaction log.
/// </summary>
public class UnmatchedStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long T0 => DeliveryKit.Start.ToUnixTimeSeconds();

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_status_that_overtakes_the_send_answer_is_applied_with_the_answer_even_when_the_interaction_log_lost_it(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.Stub.Hold = answer.Task;
        try
        {
            var id = Assert.Single(await kit.EnqueueAsync(DeliveryKit.Text("+16505551234", "overtaken")));
            await HubixTestHost.EventuallyAsync(() => Task.FromResult(kit.Stub.CountFor(id) == 1), "the send to reach Meta");
            var wamid = GraphStub.WamidFor(id);

            // Meta's webhooks overtake its answer, without callback data: nothing to match them to yet.
            Assert.Equal(HttpStatusCode.OK, (await kit.Host.PostWebhookAsync(DeliveryKit.StatusWebhook(wamid, "sent", T0))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await kit.Host.PostWebhookAsync(DeliveryKit.StatusWebhook(wamid, "delivered", T0 + 1))).StatusCode);
            await HubixTestHost.EventuallyAsync(async () => await KeptAsync(kit, wamid) == 2, "both statuses kept");
            Assert.Equal(OutboxState.Sending, (await kit.RowAsync(id)).State);

            // The CRM's log is pruned (or reshaped) meanwhile: delivery does not need it.
            await using (var ctx = kit.Host.Db.CreateDbContext())
            {
                Assert.Equal(2, await ctx.Set<Interaction>().Where(i => i.Direction == "status").ExecuteDeleteAsync(Ct));
            }

            answer.SetResult();
            await kit.WaitForStateAsync(id, OutboxState.Delivered);
            var row = await kit.RowAsync(id);
            Assert.Equal(wamid, row.WaMessageId);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0).UtcDateTime, row.SentAt);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + 1).UtcDateTime, row.DeliveredAt);
            Assert.Equal(0, await KeptAsync(kit, wamid));
            // Announced after the commit the row shows.
            await HubixTestHost.EventuallyAsync(() => Task.FromResult(kit.Events.Changes.Any(c => c.OutboxId == id && c.State == OutboxState.Delivered)), "the delivered event");
            Assert.Single(kit.Events.Changes, c => c.OutboxId == id && c.State == OutboxState.Delivered);
        }
        finally
        {
            answer.TrySetResult();
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_maintenance_sweep_applies_kept_statuses_whose_row_appeared_and_drops_old_ones(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        var now = kit.Now;
        long raced, byId;
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            // What a PostgreSQL race leaves behind once both sides committed: the send's answer stored the wamid without
            // seeing the kept status, and the status was kept without seeing the wamid.
            var accepted = Row("raced", now);
            accepted.State = OutboxState.Accepted;
            accepted.WaMessageId = "wamid.raced";
            accepted.AcceptedAt = now;
            // A row requeued after the grace (no wamid), whose first copy's status was kept the same way.
            var requeued = Row("requeued", now);
            requeued.NextAttemptAt = now.AddDays(1);
            ctx.AddRange(accepted, requeued);
            await ctx.SaveChangesAsync(Ct);
            raced = accepted.Id;
            byId = requeued.Id;
            ctx.AddRange(
                Kept("wamid.raced", "delivered", now.AddSeconds(-2)),
                Kept("wamid.first-copy", "sent", now.AddSeconds(-2), byId),
                Kept("wamid.other-app", "delivered", now.AddSeconds(-2)),
                Kept("wamid.last-week", "read", now.AddDays(-8)));
            await ctx.SaveChangesAsync(Ct);
        }

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(1), async () =>
            (await kit.RowAsync(raced)).State == OutboxState.Delivered && (await kit.RowAsync(byId)).State == OutboxState.Sent, "the sweep", maxSteps: 30);

        Assert.Equal(now.AddSeconds(-2), (await kit.RowAsync(raced)).DeliveredAt);
        var adopted = await kit.RowAsync(byId);
        Assert.Equal("wamid.first-copy", adopted.WaMessageId);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(kit.Events.Changes.Any(c => c.OutboxId == raced && c.State == OutboxState.Delivered)), "the delivered event");
        await HubixTestHost.EventuallyAsync(async () => await KeptAsync(kit, "wamid.last-week") == 0, "the week-old status to be dropped");
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            // Only the other app's status is left: it matches nothing, and is not a week old yet.
            Assert.Equal(["wamid.other-app"], await ctx.Set<UnmatchedStatus>().Select(u => u.WaMessageId).ToListAsync(Ct));
        }

        Assert.Empty(kit.Stub.Calls); // the requeued row took its first copy's status and is never sent again
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_unmatched_status_is_kept_once_and_only_the_ones_delivery_tracks(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        const string Wamid = "wamid.from-another-app";
        await PostAndProcessAsync(kit, DeliveryKit.StatusWebhook(Wamid, "delivered", T0), Wamid, "delivered");
        Assert.Equal(1, await KeptAsync(kit, Wamid));

        // The same status again (another body: the door drops identical ones) after the interaction log was pruned, so
        // the inbox no longer knows it as a duplicate.
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            await ctx.Set<Interaction>().Where(i => i.Direction == "status").ExecuteDeleteAsync(Ct);
        }

        await PostAndProcessAsync(kit, DeliveryKit.StatusWebhook(Wamid, "delivered", T0 + 3), Wamid, "delivered");
        Assert.Equal(1, await KeptAsync(kit, Wamid));

        // Another status of the same message is its own row; one delivery does not track (played) is not kept.
        await PostAndProcessAsync(kit, DeliveryKit.StatusWebhook(Wamid, "read", T0 + 5), Wamid, "read");
        await PostAndProcessAsync(kit, DeliveryKit.StatusWebhook(Wamid, "played", T0 + 6), Wamid, "played");
        // The longest id the parser lets through fits the column (too long would fail the inbox batch on PostgreSQL).
        var longest = "wamid." + new string('x', Hubix.WhatsApp.Webhooks.WebhookParser.MaxIdLength - 6);
        await PostAndProcessAsync(kit, DeliveryKit.StatusWebhook(longest, "failed", T0, outboxId: 424242, errorCode: 131047), longest, "failed");
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            var kept = await ctx.Set<UnmatchedStatus>().OrderBy(u => u.Id).ToListAsync(Ct);
            Assert.Equal(["delivered", "read", "failed"], kept.Select(k => k.Status));
            Assert.Equal([Wamid, Wamid, longest], kept.Select(k => k.WaMessageId));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0).UtcDateTime, kept[0].At); // the first one kept wins
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + 5).UtcDateTime, kept[1].At);
            Assert.Null(kept[1].OutboxId);
            Assert.Equal(424242, kept[2].OutboxId);
            Assert.Equal(131047, kept[2].ErrorCode);
            Assert.Contains("24 hours", kept[2].ErrorDetails, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task On_postgres_a_status_and_the_send_answer_that_committed_side_by_side_are_joined_by_the_sweep()
    {
        // SQLite runs one writer at a time, so this interleaving cannot happen there.
        await using var database = await TestDatabase.CreateAsync("Postgres");
        await using var db = database.Open();
        await db.MigrateAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, Ct);
        var t0 = DeliveryKit.Start.UtcDateTime;
        await using (var work = await UnitOfWork.BeginAsync(db, t0, Ct))
        {
            await new Outbox(new OutboxSignal()).EnqueueAsync(work, DeliveryKit.Text("+16505551234", "race"), Ct);
            await work.CommitAsync(Ct);
        }

        var store = new OutboxStore(db);
        var claimed = Assert.Single(await store.ClaimAsync(1, t0, t0.AddMinutes(2), Ct));

        // The inbox's transaction applies Meta's "delivered" for the wamid its answer is about to bring, and is still open...
        await using var inbox = await db.OpenConnectionAsync(Ct);
        await using (var tx = await inbox.BeginTransactionAsync(Ct))
        {
            Assert.Null(await StatusSql.ApplyAsync(inbox, tx, "wamid.race", null, "delivered", t0, null, null, t0, Ct));
            // ...while the writer stores the answer: it cannot see the status kept by the open transaction.
            var written = await store.WriteAsync([new SendOutcome(claimed, OutcomeKind.Accepted, 1, "wamid.race")], t0, Ct);
            Assert.Equal([OutboxState.Accepted], written.Select(c => c.State));
            await tx.CommitAsync(Ct);
        }

        // Both committed and neither applied it.
        await using (var context = db.CreateDbContext())
        {
            Assert.Equal(OutboxState.Accepted, (await context.Set<OutboxMessage>().SingleAsync(Ct)).State);
            Assert.Equal(1, await context.Set<UnmatchedStatus>().CountAsync(Ct));
        }

        var (changes, applied, expired) = await store.SweepUnmatchedAsync(t0.AddSeconds(5), Ct);
        Assert.Equal((1, 0), (applied, expired));
        Assert.Equal(OutboxState.Delivered, Assert.Single(changes).State);
        await using (var context = db.CreateDbContext())
        {
            var row = await context.Set<OutboxMessage>().SingleAsync(Ct);
            Assert.Equal(OutboxState.Delivered, row.State);
            Assert.Equal(t0, row.DeliveredAt);
            Assert.False(await context.Set<UnmatchedStatus>().AnyAsync(Ct));
        }

        Assert.Equal(0, (await store.SweepUnmatchedAsync(t0.AddSeconds(10), Ct)).Applied); // nothing left to join
    }

    private static async Task PostAndProcessAsync(DeliveryKit kit, string body, string wamid, string status)
    {
        Assert.Equal(HttpStatusCode.OK, (await kit.Host.PostWebhookAsync(body)).StatusCode);
        // The interaction and the handler's writes commit in one transaction: once one is visible, so is the other.
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await using var ctx = kit.Host.Db.CreateDbContext();
            return await ctx.Set<Interaction>().AnyAsync(i => i.Direction == "status" && i.WaMessageId == wamid && i.Type == status, Ct);
        }, $"the {status} webhook to be processed");
    }

    private static async Task<int> KeptAsync(DeliveryKit kit, string wamid)
    {
        await using var ctx = kit.Host.Db.CreateDbContext();
        return await ctx.Set<UnmatchedStatus>().CountAsync(u => u.WaMessageId == wamid, Ct);
    }

    private static UnmatchedStatus Kept(string wamid, string status, DateTime at, long? outboxId = null) =>
        new() { WaMessageId = wamid, OutboxId = outboxId, Status = status, At = at, ReceivedAt = at };

    private static OutboxMessage Row(string key, DateTime now) => new()
    {
        Recipient = "+16505551234",
        Kind = "text",
        Payload = """{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"body":"hi"}}""",
        IdempotencyKey = key,
        Purpose = "unlock",
        State = OutboxState.Queued,
        Attempts = 1,
        CreatedAt = now.AddMinutes(-5),
        NextAttemptAt = now.AddMinutes(-5),
    };
}

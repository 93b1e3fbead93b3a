using System.Net;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hubix.Tests.Delivery;

public class DeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_enqueue_twice_sends_once_with_callback_data_and_stores_the_wamid(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);

        var first = await kit.EnqueueAsync(DeliveryKit.Text("+16505551234", "daily:a1:2026-11-25"));
        var again = await kit.EnqueueAsync(DeliveryKit.Text("+16505551234", "daily:a1:2026-11-25"));
        var id = Assert.Single(first);
        Assert.Empty(again);

        await kit.WaitForStateAsync(id, OutboxState.Accepted);
        var row = await kit.RowAsync(id);
        Assert.Equal(GraphStub.WamidFor(id), row.WaMessageId);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.LeaseUntil);
        var call = Assert.Single(kit.Stub.Calls);
        Assert.Equal(id, call.OutboxId);
        Assert.Contains("\"biz_opaque_callback_data\":\"" + id + "\"", call.Body, StringComparison.Ordinal);
        Assert.Contains(kit.Events.Changes, c => c.OutboxId == id && c.State == OutboxState.Accepted);
        await using var ctx = kit.Host.Db.CreateDbContext();
        var outbound = await ctx.Set<Interaction>().SingleAsync(i => i.Direction == "out", Ct);
        Assert.Equal(row.WaMessageId, outbound.WaMessageId);
        var stats = kit.Host.Services.GetRequiredService<DeliveryStats>();
        Assert.Equal(1, (await stats.DepthAsync(Ct))[OutboxState.Accepted]);
        Assert.Equal(1, stats.SendsByResult["accepted"]);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_group_goes_in_order_even_when_the_first_is_retried(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        var firstFails = 2;
        kit.Stub.Script = c => c.To == "+16505550001" && c.AttemptOfOutbox <= firstFails && c.Body.Contains("pack:0", StringComparison.Ordinal) ? GraphStub.Unknown : null;

        var ids = await kit.EnqueueAsync(
            DeliveryKit.Text("+16505550001", "pack:0", "pack-a1", 0),
            DeliveryKit.Text("+16505550001", "pack:1", "pack-a1", 1),
            DeliveryKit.Text("+16505550001", "pack:2", "pack-a1", 2));

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(1), async () => (await kit.RowAsync(ids[2])).State == OutboxState.Accepted, "the whole pack");

        var order = kit.Stub.Calls.OrderBy(c => c.Seq).Select(c => c.OutboxId).ToList();
        Assert.Equal([ids[0], ids[0], ids[0], ids[1], ids[2]], order);
        var rows = await kit.RowsAsync();
        Assert.True(rows[0].AcceptedAt <= rows[1].AcceptedAt && rows[1].AcceptedAt <= rows[2].AcceptedAt);
        Assert.Equal(3, rows[0].Attempts);
    }

    [Fact]
    public async Task Delivery_pair_rate_backoff_holds_one_recipient_and_not_the_others()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        kit.Stub.Script = c => c.To == "+16505550009" && c.AttemptOfOutbox == 1 ? GraphStub.PairRate : null;

        var slow = Assert.Single(await kit.EnqueueAsync(DeliveryKit.Text("+16505550009", "slow")));
        await HubixTestHost.EventuallyAsync(async () => (await kit.RowAsync(slow)).Attempts == 1 && (await kit.RowAsync(slow)).State == OutboxState.Queued, "the 131056 retry to be queued");
        var backedOff = await kit.RowAsync(slow);
        Assert.Equal(131056, backedOff.ErrorCode);
        Assert.True(backedOff.NextAttemptAt > kit.Now, "backs off that recipient");

        // Others go straight through without time moving.
        var others = await kit.EnqueueAsync(Enumerable.Range(0, 5).Select(i => DeliveryKit.Text("+1650555010" + i, "other" + i)).ToArray());
        foreach (var id in others)
        {
            await kit.WaitForStateAsync(id, OutboxState.Accepted);
        }

        Assert.Equal(OutboxState.Queued, (await kit.RowAsync(slow)).State);
        await kit.AdvanceUntilAsync(TimeSpan.FromMilliseconds(500), async () => (await kit.RowAsync(slow)).State == OutboxState.Accepted, "the slow recipient after its back-off");
        Assert.Equal(2, kit.Stub.CountFor(slow));
    }

    [Fact]
    public async Task Delivery_pair_rate_pacing_spaces_a_long_pack_to_one_recipient()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite", ["--Hubix:WhatsApp:PairBurst=2"]);
        var ids = await kit.EnqueueAsync(Enumerable.Range(0, 4).Select(i => DeliveryKit.Text("+16505550042", "p" + i, "pack-42", i)).ToArray());

        await kit.WaitForStateAsync(ids[1], OutboxState.Accepted);
        await Task.Delay(200, Ct);
        Assert.Equal(OutboxState.Queued, (await kit.RowAsync(ids[2])).State); // burst of 2 used up; the third waits for the 6 s refill
        Assert.Equal(2, kit.Stub.Calls.Count);

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(1), async () => (await kit.RowAsync(ids[3])).State == OutboxState.Accepted, "the rest of the pack");
        var rows = await kit.RowsAsync();
        Assert.True(rows[3].AcceptedAt - rows[2].AcceptedAt >= TimeSpan.FromSeconds(5), "one per PairInterval after the burst");
    }

    [Fact]
    public async Task Delivery_throughput_error_halves_the_rate_and_it_recovers()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        var stats = kit.Host.Services.GetRequiredService<DeliveryStats>();
        kit.Stub.Script = c => c.AttemptOfOutbox == 1 ? GraphStub.Throughput : null;

        var id = Assert.Single(await kit.EnqueueAsync(DeliveryKit.Text("+16505550077", "busy")));
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(stats.CurrentRateLimit < 80), "the rate to drop");
        Assert.Equal(40, stats.CurrentRateLimit);

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(1), async () => (await kit.RowAsync(id)).State == OutboxState.Accepted, "the retry");
        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(2), () => Task.FromResult(stats.CurrentRateLimit == 80), "the rate to recover");
        Assert.Equal(1, stats.SendsByResult["accepted"]);
        Assert.Equal(1, stats.ErrorsByCode[130429]);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_lease_expired_send_is_adopted_from_a_status_and_not_resent(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        var now = kit.Now;
        long viaKept, viaWebhook;
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            // Two "crashed" sends: Meta accepted both, we died before storing the wamid.
            var a = Crashed("crash-a", now);
            var b = Crashed("crash-b", now);
            ctx.AddRange(a, b);
            await ctx.SaveChangesAsync(Ct);
            viaKept = a.Id;
            viaWebhook = b.Id;
            // The status for the first came in earlier and matched no row then (its transaction raced another), so the
            // inbox kept it; the second arrives now over /webhook.
            ctx.Add(new UnmatchedStatus
            {
                WaMessageId = "wamid.crashed-a", OutboxId = viaKept, Status = "delivered", At = now.AddSeconds(-30), ReceivedAt = now.AddSeconds(-30),
            });
            await ctx.SaveChangesAsync(Ct);
        }

        var response = await kit.Host.PostWebhookAsync(DeliveryKit.StatusWebhook("wamid.crashed-b", "sent", 1795150000, viaWebhook));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(5), async () =>
            (await kit.RowAsync(viaKept)).State == OutboxState.Delivered && (await kit.RowAsync(viaWebhook)).State == OutboxState.Sent, "both adopted", maxSteps: 10);
        Assert.Equal("wamid.crashed-a", (await kit.RowAsync(viaKept)).WaMessageId);
        Assert.Equal("wamid.crashed-b", (await kit.RowAsync(viaWebhook)).WaMessageId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795150000).UtcDateTime, (await kit.RowAsync(viaWebhook)).SentAt);

        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            Assert.False(await ctx.Set<UnmatchedStatus>().AnyAsync(Ct), "an adopted status is no longer kept");
        }

        // Well past the grace: still never resent.
        kit.Time.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(300, Ct);
        Assert.Empty(kit.Stub.Calls);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_lease_expired_send_without_status_is_resent_only_after_the_grace(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        long id;
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            var row = Crashed("crash-c", kit.Now);
            ctx.Add(row);
            await ctx.SaveChangesAsync(Ct);
            id = row.Id;
        }

        // Lease ran out 1 s ago; the grace (2 min) has not: several maintenance rounds, no send.
        for (var i = 0; i < 10; i++)
        {
            kit.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(40, Ct);
        }

        Assert.Empty(kit.Stub.Calls);
        Assert.Equal(OutboxState.Sending, (await kit.RowAsync(id)).State);

        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(10), async () => (await kit.RowAsync(id)).State == OutboxState.Accepted, "the resend after the grace");
        Assert.Equal(1, kit.Stub.CountFor(id));
        Assert.True(kit.Now >= DeliveryKit.Start.UtcDateTime.AddMinutes(2), "not before the grace");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_a_new_dispatcher_does_not_wait_out_the_lease_of_the_one_that_died(string provider)
    {
        // The previous process claimed the row a moment before it was killed: its lease has two minutes left.
        var database = await TestDatabase.CreateAsync(provider);
        long id;
        await using (var db = database.Open())
        {
            await db.MigrateAsync(NullLogger.Instance, Ct);
            await using var ctx = db.CreateDbContext();
            var row = Crashed("crash-left", DeliveryKit.Start.UtcDateTime);
            row.LeaseUntil = DeliveryKit.Start.UtcDateTime.AddMinutes(2);
            ctx.Add(row);
            await ctx.SaveChangesAsync(Ct);
            id = row.Id;
        }

        // The new dispatcher cuts that lease to the request timeout (10 s) plus two lease checks (1 s each) when it takes
        // over, so the row is reconciled 12 s in and resent after the grace (2 min), at the next maintenance round after 2:12;
        // without the cut it could not go before 4:00 (the dead process's lease, then the grace).
        await using var kit = await DeliveryKit.StartAsync(provider, database: database);
        await HubixTestHost.EventuallyAsync(async () => (await kit.RowAsync(id)).LeaseUntil < DeliveryKit.Start.UtcDateTime.AddSeconds(30), "the lease to be cut at the takeover");
        await kit.AdvanceUntilAsync(TimeSpan.FromSeconds(5), async () => (await kit.RowAsync(id)).State == OutboxState.Accepted, "the resend", maxSteps: 60);
        Assert.True(kit.Now < DeliveryKit.Start.UtcDateTime.AddMinutes(4), $"resent at {kit.Now:O}, not after the dead process's lease plus the grace");
        Assert.True(kit.Now >= DeliveryKit.Start.UtcDateTime.AddMinutes(2), "not before the grace after the cut lease");
        Assert.Equal(1, kit.Stub.CountFor(id));
    }

    private static OutboxMessage Crashed(string key, DateTime now) => new()
    {
        Recipient = "+16505551234",
        Kind = "text",
        Payload = """{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"body":"hi"}}""",
        IdempotencyKey = key,
        Purpose = "unlock",
        State = OutboxState.Sending,
        Attempts = 1,
        CreatedAt = now.AddMinutes(-3),
        NextAttemptAt = now.AddMinutes(-3),
        LeaseUntil = now.AddSeconds(-1),
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Delivery_statuses_are_monotonic_with_reordered_and_duplicated_webhooks(string provider)
    {
        await using var kit = await DeliveryKit.StartAsync(provider);
        var ids = await kit.EnqueueAsync(DeliveryKit.Text("+16505551234", "m1"), DeliveryKit.Text("+16505551234", "m2"));
        await kit.WaitForStateAsync(ids[0], OutboxState.Accepted);
        await kit.WaitForStateAsync(ids[1], OutboxState.Accepted);
        var w1 = GraphStub.WamidFor(ids[0]);
        var w2 = GraphStub.WamidFor(ids[1]);
        const long T = 1795150000;

        // Message 1: read arrives first, then a late delivered, a late sent, and a duplicate read.
        foreach (var body in new[]
        {
            DeliveryKit.StatusWebhook(w1, "read", T + 20, ids[0]),
            DeliveryKit.StatusWebhook(w1, "delivered", T + 10, ids[0]),
            DeliveryKit.StatusWebhook(w1, "delivered", T + 10, ids[0]),
            DeliveryKit.StatusWebhook(w1, "sent", T, ids[0]),
            DeliveryKit.StatusWebhook(w1, "read", T + 20, ids[0]),
            // Message 2: sent, then failed (131047) — recorded with Meta's code and details.
            DeliveryKit.StatusWebhook(w2, "sent", T, ids[1]),
            DeliveryKit.StatusWebhook(w2, "failed", T + 5, ids[1], errorCode: 131047),
        })
        {
            Assert.Equal(HttpStatusCode.OK, (await kit.Host.PostWebhookAsync(body)).StatusCode);
        }

        await HubixTestHost.EventuallyAsync(async () =>
        {
            var r1 = await kit.RowAsync(ids[0]);
            var r2 = await kit.RowAsync(ids[1]);
            return r1.SentAt is not null && r1.DeliveredAt is not null && r1.ReadAt is not null && r2.FailedAt is not null;
        }, "every status applied");

        var one = await kit.RowAsync(ids[0]);
        Assert.Equal(OutboxState.Read, one.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T).UtcDateTime, one.SentAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T + 10).UtcDateTime, one.DeliveredAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T + 20).UtcDateTime, one.ReadAt);
        var two = await kit.RowAsync(ids[1]);
        Assert.Equal(OutboxState.Failed, two.State);
        Assert.Equal(131047, two.ErrorCode);
        Assert.Contains("24 hours", two.ErrorReason, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T).UtcDateTime, two.SentAt);
        // Listeners hear after the commit, so the row can be visible a moment before the event is.
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(kit.Events.Failures.Any(f => f.OutboxId == ids[1] && f.ErrorClass == ErrorClass.WindowClosed)),
            "the failure event");
        Assert.Single(kit.Events.Changes, c => c.OutboxId == ids[0] && c.State == OutboxState.Read);
    }

    [Fact]
    public async Task Delivery_expired_row_fails_without_a_call_and_fails_the_rest_of_its_group()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        var ids = await kit.EnqueueAsync(
            DeliveryKit.Text("+16505550005", "w0", "pack-w", 0, expiresAt: kit.Now.AddSeconds(-1)),
            DeliveryKit.Text("+16505550005", "w1", "pack-w", 1));

        await kit.WaitForStateAsync(ids[0], OutboxState.Failed);
        await kit.WaitForStateAsync(ids[1], OutboxState.Failed);
        Assert.Equal(FailureReasons.WindowExpired, (await kit.RowAsync(ids[0])).ErrorReason);
        Assert.Equal(FailureReasons.PreviousFailed, (await kit.RowAsync(ids[1])).ErrorReason);
        Assert.Empty(kit.Stub.Calls);
    }

    [Fact]
    public async Task Delivery_window_closed_fails_at_once_raises_the_event_and_never_blocks_others()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        kit.Stub.Script = c => c.To == "+16505550047" ? GraphStub.WindowClosed : null;

        var ids = await kit.EnqueueAsync(
            DeliveryKit.Text("+16505550047", "closed0", "pack-c", 0),
            DeliveryKit.Text("+16505550047", "closed1", "pack-c", 1),
            DeliveryKit.Text("+16505550048", "open"));

        await kit.WaitForStateAsync(ids[0], OutboxState.Failed);
        await kit.WaitForStateAsync(ids[1], OutboxState.Failed);
        await kit.WaitForStateAsync(ids[2], OutboxState.Accepted);
        var failed = await kit.RowAsync(ids[0]);
        Assert.Equal(131047, failed.ErrorCode);
        Assert.StartsWith("window_closed:", failed.ErrorReason, StringComparison.Ordinal);
        Assert.Equal(1, kit.Stub.CountFor(ids[0]));
        Assert.Equal(0, kit.Stub.CountFor(ids[1]));
        var evt = Assert.Single(kit.Events.Failures, f => f.OutboxId == ids[0]);
        Assert.Equal(ErrorClass.WindowClosed, evt.ErrorClass);
        Assert.Equal("+16505550047", evt.Recipient);
        Assert.Contains(kit.Events.Failures, f => f.OutboxId == ids[1] && f.ErrorReason == FailureReasons.PreviousFailed);
    }

    [Fact]
    public async Task Delivery_auth_error_pauses_dispatch_and_readiness_until_a_probe_succeeds()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        var tokenOk = false;
        kit.Stub.Script = _ => Volatile.Read(ref tokenOk) ? null : GraphStub.TokenExpired;
        Assert.Equal(HttpStatusCode.OK, (await kit.Host.Client.GetAsync("/readyz", Ct)).StatusCode);

        var ids = await kit.EnqueueAsync(DeliveryKit.Text("+16505550101", "a"), DeliveryKit.Text("+16505550102", "b"), DeliveryKit.Text("+16505550103", "c"));
        await HubixTestHost.EventuallyAsync(async () => (await kit.Host.Client.GetAsync("/readyz", Ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "readiness to go red");
        var health = kit.Host.Services.GetRequiredService<DeliveryHealth>();
        Assert.Equal(190, health.Pause!.Code);
        await HubixTestHost.EventuallyAsync(async () => (await kit.RowsAsync()).All(r => r.State == OutboxState.Queued), "rows back in the queue");
        var callsWhilePaused = kit.Stub.Calls.Count;
        await Task.Delay(300, Ct);
        Assert.Equal(callsWhilePaused, kit.Stub.Calls.Count); // paused: no more calls
        Assert.All(await kit.RowsAsync(), r => Assert.Equal(0, r.Attempts));

        Volatile.Write(ref tokenOk, true);
        kit.Time.Advance(TimeSpan.FromMinutes(5));
        foreach (var id in ids)
        {
            await kit.WaitForStateAsync(id, OutboxState.Accepted);
        }

        Assert.False(health.IsPaused);
        Assert.Equal(HttpStatusCode.OK, (await kit.Host.Client.GetAsync("/readyz", Ct)).StatusCode);
    }

    [Fact]
    public async Task Delivery_clean_stop_leaves_nothing_in_sending()
    {
        var kit = await DeliveryKit.StartAsync("Sqlite");
        try
        {
            kit.Stub.Delay = TimeSpan.FromMilliseconds(300);
            await kit.EnqueueAsync(Enumerable.Range(0, 40).Select(i => DeliveryKit.Text("+1650556" + i.ToString("0000", System.Globalization.CultureInfo.InvariantCulture), "stop" + i)).ToArray());
            await HubixTestHost.EventuallyAsync(() => Task.FromResult(!kit.Stub.Calls.IsEmpty), "sends in flight");
            await kit.Host.App.StopAsync(Ct);

            var rows = await kit.RowsAsync();
            Assert.DoesNotContain(rows, r => r.State == OutboxState.Sending);
            Assert.All(rows.Where(r => r.State == OutboxState.Accepted), r => Assert.NotNull(r.WaMessageId));
            Assert.Equal(kit.Stub.Calls.Count, rows.Count(r => r.State == OutboxState.Accepted));
        }
        finally
        {
            await kit.DisposeAsync();
        }
    }

    [Fact]
    public async Task Delivery_two_hosts_on_one_postgres_send_each_row_once_from_the_leader()
    {
        var database = await TestDatabase.CreateAsync("Postgres");
        var stub = await GraphStub.StartAsync();
        stub.Delay = TimeSpan.FromMilliseconds(5);
        string[] fast = ["--Hubix:WhatsApp:MessagesPerSecond=1000"];
        await using var kit = await DeliveryKit.StartAsync("Postgres", fast, database: database, stub: stub);
        await using var second = await HubixTestHost.StartAsync(database, [.. stub.HostArgs, .. DeliveryKit.FastArgs, .. fast], kit.Time);

        // Many recipients, and packs that must stay in order across both processes.
        var requests = new List<Hubix.Delivery.OutboxRequest>();
        for (var r = 0; r < 60; r++)
        {
            for (var p = 0; p < 5; p++)
            {
                requests.Add(DeliveryKit.Text("+1650557" + r.ToString("0000", System.Globalization.CultureInfo.InvariantCulture), $"multi-{r}-{p}", $"pack-{r}", p));
            }
        }

        var ids = await kit.EnqueueAsync([.. requests]);
        second.Services.GetRequiredService<OutboxSignal>().Notify();
        // The clock moves so the one budget refills (before ADR-007 each process had its own, and 300 rows fit two bursts).
        await HubixTestHost.EventuallyAsync(async () =>
        {
            kit.Time.Advance(TimeSpan.FromMilliseconds(100));
            return (await kit.RowsAsync()).All(r => r.State == OutboxState.Accepted);
        }, "every row accepted", 60_000);

        // One leader sends; the other process stands by (ADR-007).
        Assert.Equal(0, second.Services.GetRequiredService<DeliveryStats>().SendsByResult.GetValueOrDefault("accepted"));
        Assert.Equal(ids.Count, stub.Calls.Count);
        Assert.All(stub.Calls.GroupBy(c => c.OutboxId), g => Assert.Single(g));
        var seqOf = stub.Calls.ToDictionary(c => c.OutboxId, c => c.Seq);
        foreach (var pack in (await kit.RowsAsync()).GroupBy(r => r.GroupKey))
        {
            var calls = pack.OrderBy(r => r.Position).Select(r => seqOf[r.Id]).ToList();
            Assert.Equal(calls.Order().ToList(), calls);
        }
    }
}

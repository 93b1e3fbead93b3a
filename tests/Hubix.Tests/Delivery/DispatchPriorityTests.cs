using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Messages;

namespace Hubix.Tests.Delivery;

public class DispatchPriorityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_packs_first_item_is_claimed_before_older_templates_and_older_packs_later_items(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        await db.MigrateAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, Ct);
        var t0 = new DateTime(2026, 11, 25, 5, 0, 0, DateTimeKind.Utc);

        var outbox = new Outbox(new OutboxSignal());
        await using (var work = await UnitOfWork.BeginAsync(db, t0, Ct))
        {
            // Older: 50 daily templates and the rest of a pack whose first item already went out.
            var older = Enumerable.Range(0, 50)
                .Select(i => new OutboxRequest(OutboundMessage.Text($"91980000{i:D4}", "template stand-in"), $"daily:{i}", OutboxPurpose.Daily, OutboxPriority.Background)).ToList();
            older.Add(new OutboxRequest(OutboundMessage.Text("919811111111", "item 2"), "g1:2", OutboxPurpose.Unlock, OutboxPriority.Background, "g1", 1));
            await outbox.EnqueueAsync(work, older, Ct);
            await work.CommitAsync(Ct);
        }

        await using (var work = await UnitOfWork.BeginAsync(db, t0.AddSeconds(30), Ct))
        {
            // Newer: another advisor's tap, the first item of their pack.
            await outbox.EnqueueAsync(work, new OutboxRequest(OutboundMessage.Text("919822222222", "item 1"), "g2:1", OutboxPurpose.Unlock, OutboxPriority.Waiting, "g2", 0), Ct);
            await work.CommitAsync(Ct);
        }

        var store = new OutboxStore(db);
        var first = await store.ClaimAsync(1, t0.AddMinutes(1), t0.AddMinutes(2), Ct);
        Assert.Equal("g2:1", Assert.Single(first).IdempotencyKeyFor(db));
        var next = await store.ClaimAsync(1, t0.AddMinutes(1), t0.AddMinutes(2), Ct);
        Assert.NotEqual("g2:1", Assert.Single(next).IdempotencyKeyFor(db));
    }
}

internal static class ClaimedRowKey
{
    public static string IdempotencyKeyFor(this ClaimedRow row, HubixDb db)
    {
        using var context = db.CreateDbContext();
        return context.Set<OutboxMessage>().Single(o => o.Id == row.Id).IdempotencyKey;
    }
}

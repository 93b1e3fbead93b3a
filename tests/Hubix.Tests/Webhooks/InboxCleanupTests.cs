using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Webhooks;

public class InboxCleanupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Processed_bodies_past_retention_are_deleted_and_everything_else_is_kept(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Inbox:Retention=7.00:00:00", "--Hubix:Inbox:CleanupInterval=1.00:00:00"], time);
        await using var ctx = host.Db.CreateDbContext();

        var old = Enumerable.Range(0, 5)
            .Select(i => Fixtures.Read("status-delivered.json").Replace("\"id\": \"wamid.", $"\"id\": \"wamid.old{i}", StringComparison.Ordinal)).ToList();
        foreach (var body in old)
        {
            await host.PostWebhookAsync(body);
        }

        await HubixTestHost.EventuallyAsync(
            async () => await ctx.Set<InboxEvent>().CountAsync(e => e.State == InboxState.Done, Ct) == 5, "the old bodies to be processed");
        var ids = await ctx.Set<InboxEvent>().OrderBy(e => e.Id).Select(e => e.Id).ToListAsync(Ct);
        // One old body was dead-lettered and one is still waiting for a retry: neither may go.
        await ctx.Set<InboxEvent>().Where(e => e.Id == ids[1]).ExecuteUpdateAsync(s => s.SetProperty(e => e.State, InboxState.DeadLettered), Ct);
        await ctx.Set<InboxEvent>().Where(e => e.Id == ids[3]).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.State, InboxState.Pending).SetProperty(e => e.NextAttemptAt, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)), Ct);

        time.Advance(TimeSpan.FromDays(6));
        await host.PostWebhookAsync(Fixtures.Read("inbound-text.json")); // received a day before the cutoff moves past it
        await HubixTestHost.EventuallyAsync(
            async () => await ctx.Set<InboxEvent>().CountAsync(e => e.State == InboxState.Done, Ct) == 4, "the new body to be processed");
        var cleanup = host.Services.GetRequiredService<InboxCleanup>();
        Assert.Equal(0, await cleanup.RunOnceAsync(Ct)); // nothing is 7 days old yet

        time.Advance(TimeSpan.FromDays(1.5)); // the background run may get there first; the state is what counts
        await cleanup.RunOnceAsync(Ct);

        var left = await ctx.Set<InboxEvent>().OrderBy(e => e.Id).Select(e => e.State).ToListAsync(Ct);
        Assert.Equal([InboxState.DeadLettered, InboxState.Pending, InboxState.Done], left);
        // The events live on as interactions.
        Assert.Equal(6, await ctx.Set<Interaction>().CountAsync(Ct));
        Assert.Equal(0, await cleanup.RunOnceAsync(Ct));
    }
}

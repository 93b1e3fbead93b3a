using System.Globalization;
using Hubix.Advisors;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Delivery;

/// <summary>
/// Consent at send time, with the real dispatcher on fake time against the loopback Graph stub: an opt-out cancels what
/// is still queued for the advisor in its own transaction, and the dispatcher's claim checks consent for every row.
/// </summary>
public class ConsentAtSendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Phone(int i) => "9198000" + i.ToString("D5", CultureInfo.InvariantCulture);

    private static OutboxRequest Row(string phone, string key, OutboxPurpose purpose, string? group = null, int position = 0) =>
        new(OutboundMessage.Text(phone, "msg " + key), key, purpose, OutboxPriority.Background, group, position);

    private static async Task AddAdvisorsAsync(DeliveryKit kit, int count) =>
        await AdvisorImport.UpsertAsync(kit.Host.Db, Enumerable.Range(1, count).Select(i => new AdvisorInput(Phone(i), "A" + i, "Asia/Kolkata", "en", "")).ToList(),
            kit.Now, Ct);

    private static Task<DeliveryKit> StartAsync(string provider) =>
        DeliveryKit.StartAsync(provider, ["--Hubix:WhatsApp:MessagesPerSecond=5", "--Hubix:Schedule:Enabled=false"]);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_stop_during_a_fan_out_at_5_per_second_cancels_the_advisors_queued_rows_and_only_the_confirmation_goes_out(string provider)
    {
        await using var kit = await StartAsync(provider);
        await AddAdvisorsAsync(kit, 200);
        var stopper = Phone(150);

        // Everyone's daily message, in advisor order; #150 also has the rest of a pack and an assistant's answer queued.
        await kit.EnqueueAsync([.. Enumerable.Range(1, 200).Select(i => Row(Phone(i), "daily:" + i, OutboxPurpose.Daily))]);
        await kit.EnqueueAsync(
            Row(stopper, "pack:0", OutboxPurpose.Unlock, "unlock:150", 0),
            Row(stopper, "pack:1", OutboxPurpose.Unlock, "unlock:150", 1),
            Row(stopper, "pack:2", OutboxPurpose.Unlock, "unlock:150", 2),
            Row(stopper, "agent:150", OutboxPurpose.Agent),
            Row(stopper, "operator:150", OutboxPurpose.Operator));

        // The first second of fake time: about five sends, all to the first advisors.
        for (var i = 0; i < 5; i++)
        {
            kit.Time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(40, Ct);
        }

        await HubixTestHost.EventuallyAsync(() => Task.FromResult(!kit.Stub.Calls.IsEmpty), "the fan-out to start");
        var response = await kit.Host.PostWebhookAsync(UnlockKit.Text(stopper, "wamid.stop150", kit.Time.GetUtcNow(), "STOP"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await using var ctx = kit.Host.Db.CreateDbContext();
            return await ctx.Set<ConsentEvent>().AnyAsync(e => e.Phone == stopper, Ct);
        }, "the STOP to be committed");

        // Whatever reaches #150 from here on was decided after the STOP's commit.
        var seqAtCommit = kit.Stub.Calls.Select(c => c.Seq).DefaultIfEmpty(0).Max();
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            var queued = await ctx.Set<OutboxMessage>().AsNoTracking()
                .Where(o => o.Recipient == stopper && o.Purpose != "system").Select(o => o.State).ToListAsync(Ct);
            Assert.Equal(Enumerable.Repeat(OutboxState.Cancelled, 6), queued); // the same transaction as the consent change
        }

        await kit.AdvanceUntilAsync(TimeSpan.FromMilliseconds(200), async () =>
        {
            await using var ctx = kit.Host.Db.CreateDbContext();
            return !await ctx.Set<OutboxMessage>().AnyAsync(o => o.State == OutboxState.Queued || o.State == OutboxState.Sending, Ct);
        }, "the fan-out to finish", maxSteps: 600);

        var toStopper = kit.Stub.Calls.Where(c => c.To == stopper).ToList();
        var confirmation = Assert.Single(toStopper);
        Assert.True(confirmation.Seq > seqAtCommit);
        var rows = await kit.RowsAsync();
        Assert.Equal("system", rows.Single(r => r.Id == confirmation.OutboxId).Purpose);
        Assert.Contains("no longer receive", confirmation.Body, StringComparison.Ordinal);
        var stopperRows = rows.Where(r => r.Recipient == stopper && r.Purpose != "system").ToList();
        Assert.Equal(6, stopperRows.Count);
        Assert.All(stopperRows, r => Assert.Equal((OutboxState.Cancelled, ConsentService.OptedOutReason, (string?)null), (r.State, r.ErrorReason, r.WaMessageId)));

        // Everyone else got their message once.
        var others = rows.Where(r => r.Purpose == "daily" && r.Recipient != stopper).ToList();
        Assert.Equal(199, others.Count);
        Assert.All(others, r => Assert.Equal(OutboxState.Accepted, r.State));
        Assert.Equal(199, kit.Stub.Calls.Where(c => c.To != stopper).Select(c => c.To).Distinct().Count());
        Assert.Contains(kit.Events.Changes, c => c.Recipient == stopper && c.State == OutboxState.Cancelled && c.Purpose == OutboxPurpose.Unlock);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_claim_checks_consent_a_row_for_an_opted_out_advisor_is_cancelled_without_a_call_but_a_system_answer_goes(string provider)
    {
        await using var kit = await StartAsync(provider);
        await AddAdvisorsAsync(kit, 2);
        var (optedOut, active) = (Phone(1), Phone(2));

        // Consent changed by a path that does not cancel anything (another replica mid-change, a manual fix):
        // only the dispatcher's own check stands between these rows and Meta.
        await using (var ctx = kit.Host.Db.CreateDbContext())
        {
            await ctx.Set<Advisor>().Where(a => a.Phone == optedOut).ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AdvisorStatus.OptedOut), Ct);
        }

        var ids = await kit.EnqueueAsync(
            Row(optedOut, "daily:1", OutboxPurpose.Daily),
            Row(optedOut, "pack:0", OutboxPurpose.Unlock, "unlock:1", 0),
            Row(optedOut, "pack:1", OutboxPurpose.Unlock, "unlock:1", 1),
            Row(optedOut, "system:1", OutboxPurpose.System),
            Row(active, "daily:2", OutboxPurpose.Daily));

        await kit.AdvanceUntilAsync(TimeSpan.FromMilliseconds(200), async () =>
        {
            await using var ctx = kit.Host.Db.CreateDbContext();
            return !await ctx.Set<OutboxMessage>().AnyAsync(o => o.State == OutboxState.Queued || o.State == OutboxState.Sending, Ct);
        }, "every row to be settled");

        var rows = await kit.RowsAsync();
        Assert.Equal(
            [OutboxState.Cancelled, OutboxState.Cancelled, OutboxState.Cancelled, OutboxState.Accepted, OutboxState.Accepted],
            ids.Select(id => rows.Single(r => r.Id == id).State));
        Assert.Equal([ids[3], ids[4]], kit.Stub.Calls.Select(c => c.OutboxId).Order());
        Assert.Equal(3, kit.Host.Services.GetRequiredService<DeliveryStats>().SendsByResult["cancelled"]);

        // The rollups count the new state, and what the triggers kept equals a recount from the rows. The host stops
        // first: its own folder would otherwise fold notes between the two reads.
        await kit.Host.App.StopAsync(Ct);
        var kept = await RollupsAsync(kit.Host.Db);
        Assert.Equal(3, kept.Where(k => k.Name == "cancelled").Sum(k => k.Value));
        var day = DateOnly.FromDateTime(kit.Now);
        await new MetricsRebuild(kit.Host.Db).RunAsync(day.AddDays(-2), day.AddDays(2), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), kit.Time, Ct);
        Assert.Equal(kept, await RollupsAsync(kit.Host.Db));
    }

    private static async Task<List<(DateOnly Day, string Scope, string Name, long Value)>> RollupsAsync(HubixDb db)
    {
        await MetricFolder.FoldAllAsync(db, Ct);
        await using var ctx = db.CreateDbContext();
        var rows = await MetricCounters.ReadAsync(ctx, DateOnly.MinValue, DateOnly.MaxValue, Ct);
        return rows.Where(r => r.Value != 0).Select(r => (r.Day, r.Scope, r.Name, (long)r.Value))
            .OrderBy(r => r.Day).ThenBy(r => r.Scope, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }
}

using System.Net;
using System.Net.Http.Json;
using Hubix.Advisors;
using Hubix.Dashboard;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.Tests.DailyPack;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Hubix.Tests.Wiring.WiringKit;

namespace Hubix.Tests.Wiring;

public class ScheduleAndConsentWiringTests
{
    private static Task<HubixTestHost> StartAsync(TestDatabase database) =>
        HubixTestHost.StartAsync(database, ["--Hubix:Schedule:Enabled=false"], configure: b =>
        {
            b.Services.RemoveAll<ITemplateCatalog>();
            b.Services.AddSingleton<ITemplateCatalog>(new FakeTemplateCatalog());
        });

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_daily_run_without_a_pack_shows_why_per_advisor_and_consent_changes_go_live(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        const string asha = "919800000201", bala = "919800000202";
        await UnlockKit.AddAdvisorsAsync(host, (asha, "Asha", "Asia/Kolkata"), (bala, "Bala", "Asia/Kolkata"));
        await using var live = await LiveListener.ConnectAsync(host);

        var patch = await host.Admin.PatchAsJsonAsync($"/api/advisors/{bala}", new { status = "opted_out" }, Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var optOut = await live.WaitForAsync("opt_out", e => e.Str("phone") == bala, "an opt_out event");
        Assert.Equal("operator", optOut.DataStr("source"));

        var send = await host.Admin.PostAsync("/api/daily/send", null, Ct);
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        var runEvent = await live.WaitForAsync("daily_run", _ => true, "a daily_run event");
        Assert.Equal(0, runEvent.GetProperty("data").GetProperty("enqueued").GetInt32());
        Assert.Equal(1, runEvent.GetProperty("data").GetProperty("reasons").GetProperty("no_pack").GetInt32());

        var today = Today(host);
        var run = (await host.Admin.GetFromJsonAsync<DailyRunState>($"/api/dashboard/daily-run?date={today:yyyy-MM-dd}", Web, Ct))!;
        Assert.Equal(("failed", 0, 2), (run.State, run.Enqueued, run.Planned));
        Assert.Equal([new DailyRunSkip(asha, "no_pack"), new DailyRunSkip(bala, "opted_out")], run.Skipped.OrderBy(s => s.Phone, StringComparer.Ordinal));
        var tomorrow = (await host.Admin.GetFromJsonAsync<DailyRunState>($"/api/dashboard/daily-run?date={today.AddDays(1):yyyy-MM-dd}", Web, Ct))!;
        Assert.Equal("not_started", tomorrow.State);

        var patchBack = await host.Admin.PatchAsJsonAsync($"/api/advisors/{bala}", new { status = "active", reason = "asked again by phone, call log 17" }, Ct);
        Assert.Equal(HttpStatusCode.OK, patchBack.StatusCode);
        await live.WaitForAsync("opt_in", e => e.Str("phone") == bala, "an opt_in event");
        // The host's folder counts every second; a fold from here skips the notes it holds (SKIP LOCKED on PostgreSQL),
        // so wait for the counts instead of assuming one fold saw them.
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await global::Hubix.Dashboard.MetricFolder.FoldAllAsync(host.Db, Ct);
            var metrics = (await host.Admin.GetFromJsonAsync<MetricsResponse>($"/api/webhook/metrics?from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}", Web, Ct))!;
            return (metrics.Days.Sum(d => d.OptOuts), metrics.Days.Sum(d => d.OptIns)) == (1, 1);
        }, "one opt-out and one opt-in in the metrics");
        var timeline = (await host.Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/advisors/{bala}/timeline", Web, Ct))!;
        Assert.Equal(2, timeline["entries"]!.AsArray().Count(e => (string?)e!["kind"] == "consent"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_131050_send_error_opts_the_advisor_out_once(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        const string asha = "919800000301", bala = "919800000302";
        await UnlockKit.AddAdvisorsAsync(host, (asha, "Asha", "Asia/Kolkata"), (bala, "Bala", "Asia/Kolkata"));
        await using var live = await LiveListener.ConnectAsync(host);
        var events = host.Services.GetRequiredService<DeliveryEventPublisher>();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        DeliveryStateChange Refused(long id, string phone) =>
            new(id, phone, OutboxState.Failed, now, null, OutboxPurpose.Daily, 131050, "opted_out: This message was not delivered", ErrorClass.OptedOut);

        events.Publish(Refused(1, asha));
        events.Publish(Refused(2, asha)); // the same advisor again (a second template, a retry): no second ledger row
        events.Publish(Refused(3, bala));

        var optOut = await live.WaitForAsync("opt_out", e => e.Str("phone") == bala, "bala's opt_out event");
        Assert.Equal("error_131050", optOut.DataStr("source"));
        await live.WaitForAsync("opt_out", e => e.Str("phone") == asha, "asha's opt_out event");
        var failure = await live.WaitForAsync("delivery", e => e.Str("phone") == asha, "a delivery failure event");
        Assert.Equal(131050, failure.GetProperty("data").GetProperty("errorCode").GetInt32());

        await using var ctx = host.Db.CreateDbContext();
        Assert.Equal(2, await ctx.Set<Advisor>().CountAsync(a => a.Status == AdvisorStatus.OptedOut, Ct));
        var ledger = await ctx.Set<ConsentEvent>().AsNoTracking().OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Equal([(asha, "error_131050"), (bala, "error_131050")], ledger.Select(e => (e.Phone, e.Source)).Order());
        Assert.Equal(2, live.Events.Count(e => e.Str("type") == "opt_out"));
    }

    [Fact]
    public async Task Unlocks_left_delivering_while_no_event_came_are_settled_on_start()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        const string phone = "919800000401";
        long packId;
        await using (var first = await StartAsync(database))
        {
            await UnlockKit.AddAdvisorsAsync(first, (phone, "Priya", "Asia/Kolkata"));
            packId = await UnlockKit.ImportPackAsync(first, "2026-11-24");
            await UnlockKit.MarkMediaUploadedAsync(first);
            var at = first.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            await UnlockKit.PostAsync(first, UnlockKit.TemplateTap(phone, "wamid.sweep", at, $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        }

        // Meta accepted everything but the events were lost (the process stopped): only the rows know.
        await using (var ctx = database.Open().CreateDbContext())
        {
            var at = new DateTime(2026, 11, 24, 1, 0, 0, DateTimeKind.Utc);
            await ctx.Set<OutboxMessage>().Where(o => o.Purpose == "unlock")
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OutboxState.Accepted).SetProperty(o => o.AcceptedAt, at), Ct);
            Assert.Equal(UnlockState.Delivering, (await ctx.Set<UnlockRecord>().AsNoTracking().SingleAsync(Ct)).State);
        }

        await using var second = await StartAsync(database);
        await using var check = second.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(
            async () => (await check.Set<UnlockRecord>().AsNoTracking().SingleAsync(Ct)).State == UnlockState.Delivered, "the unlock to be settled on start");
    }
}

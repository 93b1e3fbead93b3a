using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hubix.Kernel;
using Hubix.Dashboard;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Tests.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Hubix.Tests.Wiring.WiringKit;

namespace Hubix.Tests.Wiring;

/// <summary>Daily template → tap → pack through the sandbox, and what the dashboard, its live feed and the resend make of it.</summary>
public class PackWiringTests
{
    private static readonly string[] NoScheduler = ["--Hubix:Schedule:Enabled=false"];

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tap_to_pack_marks_the_unlock_delivered_on_its_own_and_the_dashboard_shows_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var pair = await SandboxPair.StartAsync(database, NoScheduler);
        var host = pair.Hubix;
        const string phone = "919800000101";
        await UnlockKit.AddAdvisorsAsync(host, (phone, "Priya Sharma", "Asia/Kolkata"));
        await ImportTodaysPackAsync(host);
        await using var live = await LiveListener.ConnectAsync(host);

        // The daily run (as the scheduler would at 05:00; media goes up to the sandbox first).
        var send = await host.Admin.PostAsync("/api/daily/send", null, Ct);
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        Assert.Equal(1, (await send.Content.ReadFromJsonAsync<DailyRunResult>(Web, Ct))!.Enqueued);
        await live.WaitForAsync("daily_run", e => e.GetProperty("data").GetProperty("enqueued").GetInt32() == 1, "a daily_run event");

        JsonObject? template = null;
        await HubixTestHost.EventuallyAsync(async () => (template = (await PhoneAsync(pair, phone)).FirstOrDefault(m => (string?)m["type"] == "template")) is not null,
            "the template on the phone");
        await pair.TapAsync(phone, (string)template!["id"]!, "Retrieve Content");
        await HubixTestHost.EventuallyAsync(async () => (await PhoneAsync(pair, phone)).Count(m => (string?)m["type"] != "template") == 4, "the 4 pack messages on the phone");

        // Nobody reads /api/unlocks: the delivery events alone make it delivered.
        await using (var ctx = host.Db.CreateDbContext())
        {
            await HubixTestHost.EventuallyAsync(
                async () => await ctx.Set<UnlockRecord>().AsNoTracking().AnyAsync(u => u.State == UnlockState.Delivered, Ct), "the unlock to become delivered");
        }

        UnlockRecord unlock;
        await using (var ctx = host.Db.CreateDbContext())
        {
            unlock = await ctx.Set<UnlockRecord>().AsNoTracking().SingleAsync(Ct);
        }

        Assert.Equal(4, unlock.ItemCount);
        Assert.NotNull(unlock.FirstAcceptedAt);
        Assert.NotNull(unlock.DeliveredAt);
        var pack = await live.WaitForAsync("pack", e => e.DataStr("state") == "delivered", "a pack event");
        Assert.Equal(phone, pack.Str("phone"));
        Assert.Equal(unlock.Id, pack.GetProperty("data").GetProperty("unlockId").GetInt64());

        // Metrics: the pack and the tap → first accepted figure, from the Unlocks table.
        var today = Today(host);
        var tapDay = LocalDay.Of(unlock.TappedAt, India);
        // The host's folder counts every second; a fold from here skips the notes it holds (SKIP LOCKED on PostgreSQL),
        // so wait for the pack to be counted instead of assuming one fold saw it.
        MetricsResponse metrics = null!;
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await global::Hubix.Dashboard.MetricFolder.FoldAllAsync(host.Db, Ct);
            metrics = (await host.Admin.GetFromJsonAsync<MetricsResponse>($"/api/webhook/metrics?from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}", Web, Ct))!;
            return metrics.Days.Sum(d => d.Packs.Delivered) == 1 && metrics.Days.Sum(d => d.TapToFirstContentAccepted.Count) == 1;
        }, "the delivered pack in the metrics");
        Assert.Equal(1, metrics.Days.Sum(d => d.Packs.Delivered));
        Assert.Equal(0, metrics.Days.Sum(d => d.Packs.Partial + d.Packs.Failed + d.Packs.InProgress));
        var day = metrics.Days.Single(d => d.Date == tapDay);
        Assert.Equal(1, day.TapToFirstContentAccepted.Count);
        Assert.NotNull(day.TapToFirstContentAccepted.MedianSeconds);
        Assert.NotNull(day.TapToFirstContentAccepted.P95Seconds);
        Assert.Equal(1, day.TapToPackDelivered.Count);

        // The daily report's pack state, and the timeline.
        var report = (await host.Admin.GetFromJsonAsync<DailyReport>($"/api/reports/daily?date={tapDay:yyyy-MM-dd}", Web, Ct))!;
        Assert.Equal("delivered", report.Rows.Single(r => r.Phone == phone).PackState);
        var timeline = (await host.Admin.GetFromJsonAsync<JsonObject>($"/api/advisors/{phone}/timeline", Web, Ct))!;
        var entries = timeline["entries"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Contains(entries, e => (string?)e["kind"] == "unlock" && (string?)e["state"] == "delivered");
        Assert.Contains(entries, e => (string?)e["kind"] == "daily_send" && (string?)e["state"] == "queued");

        // The daily-run panel.
        var run = (await host.Admin.GetFromJsonAsync<DailyRunState>($"/api/dashboard/daily-run?date={today:yyyy-MM-dd}", Web, Ct))!;
        Assert.Equal(("done", 1), (run.State, run.Enqueued));
        Assert.Empty(run.Skipped);

        // Resend: a delivered pack has nothing to resend; an unknown id is 404.
        Assert.Equal(HttpStatusCode.Conflict, (await host.Admin.PostAsync($"/api/unlocks/{unlock.Id}/resend", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.PostAsync("/api/unlocks/987654/resend", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_partial_pack_is_shown_live_and_its_resend_sends_only_the_missing_items()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        // One message per recipient, then one every 8 s: the rest of the pack waits in the queue long enough for the
        // test to close its window (ExpiresAt in the past), as if the advisor's 24 h had run out mid-pack.
        await using var pair = await SandboxPair.StartAsync(database, [.. NoScheduler, "--Hubix:WhatsApp:PairBurst=1", "--Hubix:WhatsApp:PairInterval=00:00:08"]);
        var host = pair.Hubix;
        const string phone = "919800000102";
        await UnlockKit.AddAdvisorsAsync(host, (phone, "Ravi Kumar", "Asia/Kolkata"));
        await ImportTodaysPackAsync(host);
        await host.Services.GetRequiredService<Content.MediaUploader>().EnsureUploadedForDatesAsync(Today(host), Today(host), Ct);
        await using var live = await LiveListener.ConnectAsync(host);

        await pair.TextAsync(phone, "aaj ka content");
        List<OutboxMessage> rows = [];
        await HubixTestHost.EventuallyAsync(async () =>
        {
            rows = await UnlockKit.OutboxAsync(host, "unlock");
            return rows.Count == 4 && rows[0].State >= OutboxState.Accepted;
        }, "the first pack item to be accepted");
        await using (var ctx = host.Db.CreateDbContext())
        {
            var past = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.AddMinutes(-1);
            var n = await ctx.Set<OutboxMessage>().Where(o => o.Purpose == "unlock" && o.Position > 0 && o.State <= OutboxState.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.ExpiresAt, past).SetProperty(o => o.NextAttemptAt, past), Ct);
            Assert.Equal(3, n);
        }

        host.Services.GetRequiredService<OutboxSignal>().Notify();
        var partial = await live.WaitForAsync("pack", e => e.DataStr("state") == "partial", "a pack event for the partial unlock");
        Assert.Equal("window_expired", partial.DataStr("failureReason"));
        var failure = await live.WaitForAsync("delivery", e => e.DataStr("purpose") == "unlock", "a delivery failure event");
        Assert.Equal(phone, failure.Str("phone"));
        var unlockId = partial.GetProperty("data").GetProperty("unlockId").GetInt64();
        Assert.Single(await PhoneAsync(pair, phone));
        var report = (await host.Admin.GetFromJsonAsync<DailyReport>($"/api/reports/daily?date={Today(host):yyyy-MM-dd}", Web, Ct))!;
        Assert.Equal("partial", report.Rows.Single(r => r.Phone == phone).PackState);

        var resend = await host.Admin.PostAsync($"/api/unlocks/{unlockId}/resend", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        // While it is on its way, a second click queues nothing more.
        Assert.Equal(HttpStatusCode.Conflict, (await host.Admin.PostAsync($"/api/unlocks/{unlockId}/resend", null, Ct)).StatusCode);

        await using (var ctx = host.Db.CreateDbContext())
        {
            var unlocks = await ctx.Set<UnlockRecord>().AsNoTracking().OrderBy(u => u.Id).ToListAsync(Ct);
            Assert.Equal(2, unlocks.Count);
            var (first, again) = (unlocks[0], unlocks[1]);
            Assert.Equal((UnlockState.Partial, "resend", 2, 3), (first.State, again.TapKind, again.Sequence, again.ItemCount));
            var resent = await ctx.Set<OutboxMessage>().AsNoTracking().Where(o => o.GroupKey == again.GroupKey).OrderBy(o => o.Position).ToListAsync(Ct);
            // Exactly the three that never went out, in order, with the same content.
            var missing = rows.Skip(1).ToList();
            Assert.Equal(missing.Select(r => r.IdempotencyKey[(first.GroupKey.Length + 1)..]), resent.Select(r => r.IdempotencyKey[(again.GroupKey.Length + 1)..]));
            Assert.Equal(missing.Select(r => JsonNode.Parse(r.Payload)!["text"]!.ToJsonString()), resent.Select(r => JsonNode.Parse(r.Payload)!["text"]!.ToJsonString()));
            Assert.All(resent, r => Assert.True(r.ExpiresAt > host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime));
        }

        // The first missing item reaches the phone (paced); the image is never sent twice.
        await HubixTestHost.EventuallyAsync(async () => (await PhoneAsync(pair, phone)).Count >= 2, "the first resent item on the phone", 30_000);
        var phoneMessages = await PhoneAsync(pair, phone);
        Assert.Single(phoneMessages, m => (string?)m["type"] == "image");
        Assert.Contains("SIPs build wealth", (string?)phoneMessages[1]["text"], StringComparison.Ordinal);
    }
}

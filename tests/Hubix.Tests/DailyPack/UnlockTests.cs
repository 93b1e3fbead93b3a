using System.Net.Http.Json;
using Hubix.Advisors;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.DailyPack;

public class UnlockTests
{
    private const string Priya = "919800000001";

    private static async Task<(TestDatabase Db, HubixTestHost Host, FakeTimeProvider Time, long PackId)> SetUpAsync(string provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(Start);
        var host = await StartAsync(database, time);
        await AddAdvisorsAsync(host, (Priya, "Priya Sharma", "Asia/Kolkata"));
        var packId = await ImportPackAsync(host, "2026-11-24");
        await MarkMediaUploadedAsync(host);
        return (database, host, time, packId);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Template_button_with_payload_enqueues_the_pack_in_order_with_window_from_Metas_timestamp(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        var tapAt = Start.AddHours(1); // Meta's clock, not ours
        time.Advance(TimeSpan.FromHours(3));

        await PostAsync(host, TemplateTap(Priya, "wamid.tap1", tapAt, $"RETRIEVE_CONTENT:2026-11-24:{packId}"));

        var rows = await OutboxAsync(host, "unlock");
        Assert.Equal(["image", "text", "text", "text"], rows.Select(r => r.Kind));
        Assert.All(rows, r => Assert.Equal(Priya, r.Recipient));
        Assert.All(rows, r => Assert.Equal(tapAt.UtcDateTime.AddHours(24), r.ExpiresAt));
        Assert.Single(rows.Select(r => r.GroupKey).Distinct());
        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.Position));
        Assert.Equal(4, rows.Select(r => r.IdempotencyKey).Distinct().Count());
        var image = Json(rows[0]).GetProperty("image");
        Assert.StartsWith("media-", image.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("Nifty outlook for 24 Nov 2026, shared by Priya Sharma", image.GetProperty("caption").GetString());
        Assert.Equal("Good morning from Priya Sharma! SIPs build wealth one month at a time.", Json(rows[1]).GetProperty("text").GetProperty("body").GetString());
        Assert.Equal("Insurance first, investments next. <b>Not markup</b> & stays text.", Json(rows[2]).GetProperty("text").GetProperty("body").GetString());

        var unlock = await WithDbAsync(host, c => c.Set<UnlockRecord>().SingleAsync(Ct));
        Assert.Equal(("payload", UnlockState.Delivering, "wamid.tap1", tapAt.UtcDateTime), (unlock.ResolvedBy, unlock.State, unlock.TapMessageId, unlock.TappedAt));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tap_with_only_context_id_resolves_through_the_daily_send_and_yesterdays_button_gets_yesterdays_pack(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        // 05:30 IST on the 24th: send the daily template; Meta accepts it.
        time.Advance(TimeSpan.FromHours(1));
        var run = await host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);
        Assert.Equal(1, run.Enqueued);
        var daily = Assert.Single(await OutboxAsync(host, "daily"));
        await AcceptAsync(host, [daily.Id], time.GetUtcNow().UtcDateTime);
        // Next day a pack for the 25th exists too; the advisor taps the 24th's button (payload is only a label).
        await ImportPackAsync(host, "2026-11-25");
        time.Advance(TimeSpan.FromDays(1));

        await PostAsync(host, TemplateTap(Priya, "wamid.tapctx", time.GetUtcNow(), "Retrieve content", contextId: "wamid.out." + daily.Id));

        var unlock = await WithDbAsync(host, c => c.Set<UnlockRecord>().SingleAsync(Ct));
        Assert.Equal(("context", packId, new DateOnly(2026, 11, 24)), (unlock.ResolvedBy, unlock.PackId, unlock.PackDate));
        Assert.Equal(4, (await OutboxAsync(host, "unlock")).Count);
    }

    [Fact]
    public async Task Interactive_button_reply_and_text_triggers_deliver_the_right_items()
    {
        var (database, host, time, _) = await SetUpAsync("Sqlite");
        await using var _d = database;
        await using var _h = host;
        time.Advance(TimeSpan.FromHours(2)); // 06:30 IST on the 24th

        await PostAsync(host, ButtonReply(Priya, "wamid.br", time.GetUtcNow(), "UNLOCK_IMAGES:2026-11-24"));
        Assert.Equal(["image"], (await OutboxAsync(host, "unlock")).Select(r => r.Kind));

        await PostAsync(host, Text(Priya, "wamid.t1", time.GetUtcNow(), "  Market UPDATES "));
        await PostAsync(host, Text(Priya, "wamid.t2", time.GetUtcNow(), "aaj ka content"));
        await PostAsync(host, Text(Priya, "wamid.t3", time.GetUtcNow(), "what is a good SIP for my client?"));

        var unlocks = await WithDbAsync(host, c => c.Set<UnlockRecord>().OrderBy(u => u.Id).ToListAsync(Ct));
        Assert.Equal([("images", "payload"), ("updates", "today"), ("all", "today")], unlocks.Select(u => (u.Scope, u.ResolvedBy)));
        // The free-text question is not an unlock: nothing more from this feature (the assistant may answer it).
        var all = await OutboxAsync(host);
        Assert.Equal(1 + 1 + 4, all.Count(r => r.Purpose == "unlock"));
        Assert.DoesNotContain(all, r => r.Purpose is not ("unlock" or "agent"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Duplicate_and_repeated_taps_send_once_while_on_the_way_again_after_delivery_then_the_cap(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        time.Advance(TimeSpan.FromHours(2));
        var payload = $"RETRIEVE_CONTENT:2026-11-24:{packId}";
        var tap = TemplateTap(Priya, "wamid.dup", time.GetUtcNow(), payload);

        await PostAsync(host, tap);
        await PostAsync(host, tap); // Meta's retry: same wamid
        await PostAsync(host, TemplateTap(Priya, "wamid.again", time.GetUtcNow(), payload)); // impatient second tap
        Assert.Equal(4, (await OutboxAsync(host, "unlock")).Count);

        for (var n = 2; n <= 3; n++)
        {
            await AcceptAsync(host, (await OutboxAsync(host, "unlock")).Where(r => r.State == OutboxState.Queued).Select(r => r.Id), time.GetUtcNow().UtcDateTime);
            await PostAsync(host, TemplateTap(Priya, $"wamid.re{n}", time.GetUtcNow(), payload));
            Assert.Equal(4 * n, (await OutboxAsync(host, "unlock")).Count);
        }

        await AcceptAsync(host, (await OutboxAsync(host, "unlock")).Where(r => r.State == OutboxState.Queued).Select(r => r.Id), time.GetUtcNow().UtcDateTime);
        await PostAsync(host, TemplateTap(Priya, "wamid.re4", time.GetUtcNow(), payload));
        await PostAsync(host, TemplateTap(Priya, "wamid.re5", time.GetUtcNow(), payload));

        Assert.Equal(12, (await OutboxAsync(host, "unlock")).Count);
        var cap = Assert.Single(await OutboxAsync(host, "system"));
        Assert.Contains("3 times", Json(cap).GetProperty("text").GetProperty("body").GetString(), StringComparison.Ordinal);
        var unlocks = await host.Admin.GetFromJsonAsync<List<UnlockEndpoints.UnlockDto>>("/api/unlocks?date=2026-11-24&phone=" + Priya, Ct);
        Assert.Equal([3, 2, 1], unlocks!.Select(u => u.Sequence));
        Assert.All(unlocks!, u => Assert.Equal("delivered", u.State));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Window_expiry_mid_pack_makes_the_unlock_partial(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        var tapAt = time.GetUtcNow().AddMinutes(-10);
        await PostAsync(host, TemplateTap(Priya, "wamid.w", tapAt, $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        var rows = await OutboxAsync(host, "unlock");
        Assert.All(rows, r => Assert.Equal(tapAt.UtcDateTime + TimeSpan.FromHours(24), r.ExpiresAt));

        // The dispatcher got two out, then the window closed on the rest.
        await AcceptAsync(host, rows.Take(2).Select(r => r.Id), time.GetUtcNow().UtcDateTime);
        await using (var ctx = host.Db.CreateDbContext())
        {
            var expiredAt = rows[0].ExpiresAt!.Value;
            await ctx.Set<OutboxMessage>().Where(o => o.Purpose == "unlock" && o.State == OutboxState.Queued).ExecuteUpdateAsync(
                s => s.SetProperty(o => o.State, OutboxState.Failed).SetProperty(o => o.ErrorReason, "window_expired").SetProperty(o => o.FailedAt, expiredAt), Ct);
        }

        var unlock = Assert.Single((await host.Admin.GetFromJsonAsync<List<UnlockEndpoints.UnlockDto>>("/api/unlocks", Ct))!);
        Assert.Equal(("partial", "window_expired"), (unlock.State, unlock.FailureReason));
        Assert.NotNull(unlock.FirstAcceptedAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stop_and_start_in_English_and_Hindi_change_consent_once_and_confirm_once(string provider)
    {
        var (database, host, time, _) = await SetUpAsync(provider);
        await using var _d = database;
        await using var _h = host;
        var at = time.GetUtcNow();

        await PostAsync(host, Text(Priya, "wamid.s1", at, "STOP"));
        await PostAsync(host, Text(Priya, "wamid.s2", at.AddSeconds(5), "बंद करो"));
        await PostAsync(host, Text(Priya, "wamid.s3", at.AddSeconds(10), "start"));
        await PostAsync(host, Text(Priya, "wamid.s4", at.AddSeconds(15), "Band Karo"));
        await PostAsync(host, UserPreferences(Priya, "resume"));

        var events = await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>($"/api/advisors/{Priya}/consent", Ct);
        Assert.Equal([("opted_out", "keyword"), ("active", "keyword"), ("opted_out", "keyword"), ("active", "user_preferences")],
            events!.Select(e => (e.Status, e.Source)));
        // Every keyword is answered: STOP, START and Band Karo changed the state; बंद करो says it was already stopped.
        var replies = await OutboxAsync(host, "system");
        Assert.Equal(4, replies.Count);
        Assert.Single(replies, r => r.Payload.Contains("already unsubscribed", StringComparison.Ordinal));
        await PostAsync(host, Text(Priya, "wamid.s5", at.AddSeconds(20), "START")); // active again since "resume"
        Assert.Single(await OutboxAsync(host, "system"), r => r.Payload.Contains("already subscribed", StringComparison.Ordinal));

        await PostAsync(host, UserPreferences(Priya, "stop"));
        var advisor = await WithDbAsync(host, c => c.Set<Advisor>().SingleAsync(Ct));
        Assert.Equal(AdvisorStatus.OptedOut, advisor.Status);
        time.Advance(TimeSpan.FromHours(1));
        var run = await host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);
        Assert.Equal(0, run.Enqueued);
        Assert.Equal(1, run.Reasons["opted_out"]);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Unknown_sender_gets_one_reply_per_day_and_is_recorded(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        var stranger = "447700900123";
        await PostAsync(host, Text(stranger, "wamid.u1", time.GetUtcNow(), "hello"));
        await PostAsync(host, TemplateTap(stranger, "wamid.u2", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        await host.Admin.DeleteAsync($"/api/advisors/{Priya}", Ct);
        await PostAsync(host, Text(Priya, "wamid.u3", time.GetUtcNow(), "content"));

        var replies = await OutboxAsync(host, "system");
        Assert.Equal([stranger, Priya], replies.Select(r => r.Recipient));
        Assert.Empty(await OutboxAsync(host, "unlock"));
        var unknown = await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.UnknownSenderDto>>("/api/unknown-senders", Ct);
        Assert.Equal(2, unknown!.Single(u => u.Phone == stranger).MessageCount);

        await PostAsync(host, Text(stranger, "wamid.u4", time.GetUtcNow().AddDays(1), "hello again"));
        Assert.Equal(3, (await OutboxAsync(host, "system")).Count);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_marketing_opt_out_mid_pack_cancels_the_rest_and_the_unlock_is_partial_not_whole(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        await PostAsync(host, TemplateTap(Priya, "wamid.p", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        var rows = await OutboxAsync(host, "unlock");
        await AcceptAsync(host, rows.Take(1).Select(r => r.Id), time.GetUtcNow().UtcDateTime);

        // The user_preferences webhook (marketing opt-out) commits the opt-out and the cancellations together.
        await PostAsync(host, UserPreferences(Priya, "stop"));
        rows = await OutboxAsync(host, "unlock");
        Assert.Equal([OutboxState.Accepted, OutboxState.Cancelled, OutboxState.Cancelled, OutboxState.Cancelled], rows.Select(r => r.State));
        Assert.All(rows.Skip(1), r => Assert.Equal("opted_out", r.ErrorReason));

        // Not "delivered" (items are missing) and not "delivering" (nothing more will go): partial, and why.
        await HubixTestHost.EventuallyAsync(async () => (await WithDbAsync(host, c => c.Set<UnlockRecord>().AsNoTracking().SingleAsync(Ct))).State != UnlockState.Delivering,
            "unlock progress to settle the pack");
        var unlock = Assert.Single((await host.Admin.GetFromJsonAsync<List<UnlockEndpoints.UnlockDto>>("/api/unlocks", Ct))!);
        Assert.Equal(("partial", "opted_out"), (unlock.State, unlock.FailureReason));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_131050_send_error_cancels_what_is_still_queued_for_the_advisor(string provider)
    {
        var (database, host, time, packId) = await SetUpAsync(provider);
        await using var _ = database;
        await using var __ = host;
        await PostAsync(host, TemplateTap(Priya, "wamid.q", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        time.Advance(TimeSpan.FromMinutes(1));

        var recorded = await host.Services.GetRequiredService<OptOutOnSendError>()
            .RecordAsync([(Priya, time.GetUtcNow().UtcDateTime, "outbox 999")], Ct);

        Assert.Equal(1, recorded);
        var rows = await OutboxAsync(host, "unlock");
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal((OutboxState.Cancelled, "opted_out"), (r.State, r.ErrorReason)));
        var unlock = Assert.Single((await host.Admin.GetFromJsonAsync<List<UnlockEndpoints.UnlockDto>>("/api/unlocks", Ct))!);
        Assert.Equal(("failed", "opted_out"), (unlock.State, unlock.FailureReason));
    }
}

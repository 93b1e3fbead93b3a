using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.DailyPack;

/// <summary>The daily run stays within Meta's messaging limit (unique users outside a window per moving 24 h).</summary>
public class MessagingLimitTests
{
    private static Task<DailyRunResult> TickAsync(HubixTestHost host) =>
        host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);

    private static async Task<List<DailySend>> SendsAsync(HubixTestHost host)
    {
        await using var ctx = host.Db.CreateDbContext();
        return await ctx.Set<DailySend>().AsNoTracking().OrderBy(s => s.AdvisorId).ToListAsync(Ct);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Limit_250_with_400_advisors_sends_250_and_records_150_messaging_limit_skips(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(Start.AddHours(1)); // 05:30 IST
        await using var host = await StartAsync(database, time, args: ["--Hubix:WhatsApp:MessagingLimit=250"]);
        await AddAdvisorsAsync(host, Enumerable.Range(1, 400).Select(i => ($"9198{i:D8}", $"Advisor {i}", "Asia/Kolkata")).ToArray());
        await ImportPackAsync(host, "2026-11-24");

        var run = await TickAsync(host);

        Assert.Equal(250, run.Enqueued);
        Assert.Equal(150, run.Reasons["messaging_limit"]);
        Assert.Equal(250, (await OutboxAsync(host, "daily")).Count);
        var sends = await SendsAsync(host);
        Assert.Equal(150, sends.Count(s => s.State == DailySendState.Skipped && s.Reason == "messaging_limit"));
        Assert.Equal(250, sends.Count(s => s.State == DailySendState.Queued));
        Assert.Contains("Messaging limit 250", run.Note, StringComparison.Ordinal);

        // The next morning, less than 24 h later: the 250 reached are counted once, so they get theirs again and no new
        // advisor fits; the moving window never lets more than 250 unique advisors in.
        var first = (await OutboxAsync(host, "daily")).Select(o => o.Recipient).ToHashSet();
        await ImportPackAsync(host, "2026-11-25");
        time.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(40)); // 05:10 IST on the 25th
        var next = await TickAsync(host);
        Assert.Equal(250, next.Enqueued);
        Assert.Equal(150, next.Reasons["messaging_limit"]);
        var second = (await OutboxAsync(host, "daily")).Select(o => o.Recipient).Where(r => !first.Contains(r)).ToList();
        Assert.Empty(second);
    }

    [Fact]
    public async Task Open_windows_cost_nothing_and_recent_writers_come_first()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start.AddHours(1)); // 2026-11-24 05:30 IST
        await using var host = await StartAsync(database, time, args: ["--Hubix:WhatsApp:MessagingLimit=2"]);
        await AddAdvisorsAsync(host, Enumerable.Range(1, 6).Select(i => ($"9198{i:D8}", $"Advisor {i}", "Asia/Kolkata")).ToArray());
        await ImportPackAsync(host, "2026-11-24");
        var now = time.GetUtcNow().UtcDateTime;
        await using (var ctx = host.Db.CreateDbContext())
        {
            // 1: wrote an hour ago (window open: free). 5: wrote 2 days ago, 6: 3 days ago (outside: first in line, 5 before 6).
            await ctx.Set<Advisor>().Where(a => a.Phone == "919800000001").ExecuteUpdateAsync(s => s.SetProperty(a => a.LastInboundAt, now.AddHours(-1)), Ct);
            await ctx.Set<Advisor>().Where(a => a.Phone == "919800000005").ExecuteUpdateAsync(s => s.SetProperty(a => a.LastInboundAt, now.AddDays(-2)), Ct);
            await ctx.Set<Advisor>().Where(a => a.Phone == "919800000006").ExecuteUpdateAsync(s => s.SetProperty(a => a.LastInboundAt, now.AddDays(-3)), Ct);
        }

        var run = await TickAsync(host);

        Assert.Equal(3, run.Enqueued);
        Assert.Equal(3, run.Reasons["messaging_limit"]);
        var sent = (await OutboxAsync(host, "daily")).Select(o => o.Recipient).Order().ToList();
        Assert.Equal(["919800000001", "919800000005", "919800000006"], sent);
    }

    [Fact]
    public async Task Limit_announced_by_the_phone_number_webhook_is_used_when_none_is_configured()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start.AddHours(1));
        await using var host = await StartAsync(database, time);
        await AddAdvisorsAsync(host, Enumerable.Range(1, 60).Select(i => ($"9198{i:D8}", $"Advisor {i}", "Asia/Kolkata")).ToArray());
        await ImportPackAsync(host, "2026-11-24");
        await PostAsync(host, Fixtures.Read("account-health/phone-number-quality-update-tier-50.json"));

        var run = await TickAsync(host);

        Assert.Equal(50, run.Enqueued);
        Assert.Equal(10, run.Reasons["messaging_limit"]);
        Assert.Contains("phone_number_quality_update", run.Note, StringComparison.Ordinal);
    }
}

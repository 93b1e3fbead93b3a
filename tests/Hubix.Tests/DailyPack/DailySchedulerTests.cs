using System.Net.Http.Json;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.DailyPack;

public class DailySchedulerTests
{
    private static Task<DailyRunResult> TickAsync(HubixTestHost host) =>
        host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Template_goes_out_at_0500_in_each_advisors_own_zone(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // 2026-11-23 23:00 UTC = 04:30 in Kolkata (24th), 03:00 in Dubai (24th), 18:00 in New York (23rd).
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(database, time);
        await AddAdvisorsAsync(host, ("919800000001", "Priya", "Asia/Kolkata"), ("971500000002", "Fatima", "Asia/Dubai"), ("12125550003", "John", "America/New_York"));
        var packId = await ImportPackAsync(host, "2026-11-24");

        Assert.Equal(0, (await TickAsync(host)).Enqueued);
        time.Advance(TimeSpan.FromMinutes(30)); // 05:00 Kolkata
        Assert.Equal(1, (await TickAsync(host)).Enqueued);
        time.Advance(TimeSpan.FromHours(1.5)); // 05:00 Dubai
        Assert.Equal(1, (await TickAsync(host)).Enqueued);
        time.Advance(TimeSpan.FromHours(9)); // 05:00 New York (24th)
        Assert.Equal(1, (await TickAsync(host)).Enqueued);
        Assert.Equal(0, (await TickAsync(host)).Enqueued);

        var rows = await OutboxAsync(host, "daily");
        Assert.Equal(["919800000001", "971500000002", "12125550003"], rows.Select(r => r.Recipient));
        Assert.Equal("daily:919800000001:2026-11-24", rows[0].IdempotencyKey);
        var template = Json(rows[0]).GetProperty("template");
        Assert.Equal("daily_content_ready_v1", template.GetProperty("name").GetString());
        var components = template.GetProperty("components").EnumerateArray().ToList();
        var body = components.Single(c => c.GetProperty("type").GetString() == "body").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("text").GetString());
        Assert.Equal(["Market", "24 Nov 2026", "Nifty outlook and 2 posts"], body);
        var button = components.Single(c => c.GetProperty("type").GetString() == "button");
        Assert.Equal($"RETRIEVE_CONTENT:2026-11-24:{packId}", button.GetProperty("parameters")[0].GetProperty("payload").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Two_hosts_on_one_database_send_exactly_one_template_per_advisor_day(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(Start.AddHours(1)); // 05:30 IST
        // SQLite serves one process (a second host on the file refuses to start, ADR-007): there the four runs race in one host.
        var a = await StartAsync(database, time);
        var b = provider == "Sqlite" ? a : await StartAsync(database, time);
        try
        {
            await AddAdvisorsAsync(a, Enumerable.Range(1, 300).Select(i => ($"9198{i:D8}", $"Advisor {i}", "Asia/Kolkata")).ToArray());
            await ImportPackAsync(a, "2026-11-24");

            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => TickAsync(i % 2 == 0 ? a : b)));

            Assert.Equal(300, results.Sum(r => r.Enqueued));
            Assert.Equal(300, (await OutboxAsync(a, "daily")).Count);
            Assert.Equal(300, await WithDbAsync(a, c => c.Set<DailySend>().CountAsync(Ct)));
        }
        finally
        {
            await a.DisposeAsync();
            if (!ReferenceEquals(a, b))
            {
                await b.DisposeAsync();
            }
        }

        // A restart (a new host) the same day sends nothing more.
        await using var c = await StartAsync(database, time);
        Assert.Equal(0, (await TickAsync(c)).Enqueued);
    }

    [Fact]
    public async Task Background_scheduler_catches_up_on_start_and_skips_after_the_cutoff()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start.AddHours(4)); // 08:30 IST: the server was down at 05:00
        await using (var setup = await StartAsync(database, time))
        {
            await AddAdvisorsAsync(setup, ("919800000001", "Priya", "Asia/Kolkata"), ("12125550003", "John", "America/New_York"));
            await ImportPackAsync(setup, "2026-11-24");
            await ImportPackAsync(setup, "2026-11-25");
        }

        await using (var host = await StartAsync(database, time, scheduler: true))
        {
            await HubixTestHost.EventuallyAsync(async () => (await OutboxAsync(host, "daily")).Count == 1, "the catch-up send");
        }

        // New York: the server comes back at 13:00 local on the 24th (after LatestAt 12:00): skipped with a reason.
        // (The catch-up host may also have recorded New York's 23rd as skipped: it was 22:00 there.)
        time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 18, 0, 0, TimeSpan.Zero));
        await using (var host = await StartAsync(database, time))
        {
            var run = await TickAsync(host);
            Assert.Equal((0, 1), (run.Enqueued, run.Skipped));
            var send = await WithDbAsync(host, c => c.Set<DailySend>().SingleAsync(s => s.Phone == "12125550003" && s.LocalDate == new DateOnly(2026, 11, 24), Ct));
            Assert.Equal((DailySendState.Skipped, "after_cutoff"), (send.State, send.Reason));
            Assert.Single(await OutboxAsync(host, "daily"));
        }
    }

    [Fact]
    public async Task Nothing_is_sent_when_the_template_is_not_approved_or_the_pack_is_missing_and_the_run_says_why()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start.AddHours(1));
        var catalog = new FakeTemplateCatalog { Answer = new TemplateCheck(false, "template_not_approved", "Template 'daily_content_ready_v1' (en) is PAUSED, not APPROVED.") };
        await using var host = await StartAsync(database, time, catalog);
        await AddAdvisorsAsync(host, ("919800000001", "Priya", "Asia/Kolkata"), ("919800000002", "Rahul", "Asia/Kolkata"));

        var first = await TickAsync(host);
        Assert.Equal(0, first.Enqueued);
        catalog.Answer = new TemplateCheck(true);
        time.Advance(TimeSpan.FromMinutes(1));
        var second = await TickAsync(host);
        Assert.Equal(2, second.Reasons["no_pack"]);

        await ImportPackAsync(host, "2026-11-24");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await TickAsync(host)).Enqueued);

        var runs = (await host.Admin.GetFromJsonAsync<List<ScheduleEndpoints.DailyRunDto>>("/api/daily/runs", Ct))!;
        Assert.Equal([2, 0, 0], runs!.Select(r => r.Enqueued));
        Assert.Equal(2, runs[2].Reasons["template_not_approved"]);
        Assert.Contains("PAUSED", runs[2].Note, StringComparison.Ordinal);
        Assert.Equal(2, runs[1].Reasons["no_pack"]);
    }

    [Fact]
    public async Task Multi_button_template_carries_one_payload_per_button_and_dry_run_writes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(database, time, args:
        [
            "--Hubix:Templates:Daily:Name=daily_content_menu_v1",
            "--Hubix:Templates:Daily:Buttons:0=UNLOCK_IMAGES", "--Hubix:Templates:Daily:Buttons:1=UNLOCK_CONTENT", "--Hubix:Templates:Daily:Buttons:2=UNLOCK_UPDATES",
        ]);
        await AddAdvisorsAsync(host, ("919800000001", "Priya", "Asia/Kolkata"));
        var packId = await ImportPackAsync(host, "2026-11-24");
        var sender = host.Services.GetRequiredService<DailySender>();

        var dry = await sender.RunAsync(new DailyRequest("cli", DryRun: true, Force: true), Ct);
        Assert.Single(dry.Planned);
        Assert.Empty(await OutboxAsync(host));

        await sender.RunAsync(new DailyRequest("cli", Force: true), Ct);
        var template = Json(Assert.Single(await OutboxAsync(host, "daily"))).GetProperty("template");
        var payloads = template.GetProperty("components").EnumerateArray().Where(c => c.GetProperty("type").GetString() == "button")
            .Select(c => c.GetProperty("parameters")[0].GetProperty("payload").GetString());
        Assert.Equal([$"UNLOCK_IMAGES:2026-11-24:{packId}", $"UNLOCK_CONTENT:2026-11-24:{packId}", $"UNLOCK_UPDATES:2026-11-24:{packId}"], payloads);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Dashboard;

/// <summary>Bounded pages everywhere: every walk with a small page returns everything once, in order, and nothing more.</summary>
public class PagedReadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTime At = new(2026, 3, 10, 1, 0, 0, DateTimeKind.Utc);
    private const string Chatty = "919800000500";

    private static async Task<HubixTestHost> StartAsync(TestDatabase db, params string[] args) =>
        await HubixTestHost.StartAsync(db, args, new FakeTimeProvider(DashboardScenario.Now));

    /// <summary>One advisor with 25 messages in and 25 out, two of each pair at the same instant (the tie-break is exercised).</summary>
    private static async Task SeedChattyAsync(HubixDb db)
    {
        await using var ctx = db.CreateDbContext();
        ctx.Add(new Advisor { Phone = Chatty, Name = "Chatty", CreatedAt = At, UpdatedAt = At, LastInboundAt = At.AddMinutes(25), LastChatAt = At.AddMinutes(25) });
        for (var i = 0; i < 25; i++)
        {
            DashboardScenario.Log(ctx, "in", "text", Chatty, At.AddMinutes(i), "m" + i, text: "question " + i);
            DashboardScenario.Out(ctx, Chatty, "agent", At.AddMinutes(i + (i % 5 == 0 ? 0 : 0.5)), OutboxState.Delivered, "a" + i, text: "answer " + i);
        }

        await ctx.SaveChangesAsync(Ct);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_conversation_carries_its_newest_messages_and_pages_back_through_the_rest_without_gaps(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        await SeedChattyAsync(host.Db);

        var page = (await host.Admin.GetFromJsonAsync<ConversationPage>($"/api/webhook/conversations?phone={Chatty}&messages=7", Web, Ct))!;
        var c = Assert.Single(page.Items);
        Assert.Equal(7, c.Messages.Count);
        Assert.Equal("answer 24", c.Messages[^1].Text);
        Assert.NotNull(c.OlderMessagesCursor);

        var all = new List<ConversationMessage>(c.Messages);
        var before = c.OlderMessagesCursor;
        var pages = 0;
        while (before is not null && pages++ < 20)
        {
            var older = (await host.Admin.GetFromJsonAsync<ConversationMessages>(
                $"/api/webhook/conversations/{Chatty}/messages?limit=6&before={Uri.EscapeDataString(before)}", Web, Ct))!;
            Assert.True(older.Items.Count <= 6);
            all.InsertRange(0, older.Items);
            before = older.OlderCursor;
        }

        Assert.Equal(50, all.Count);
        Assert.Equal(50, all.Select(m => m.Direction + m.Text).Distinct().Count());
        Assert.Equal(all.OrderBy(m => m.At).ThenBy(m => m.Direction == "in" ? 0 : 1).Select(m => m.Text), all.Select(m => m.Text));
        Assert.Equal("question 0", all[0].Text);

        var defaults = (await host.Admin.GetFromJsonAsync<ConversationPage>($"/api/webhook/conversations?phone={Chatty}", Web, Ct))!;
        Assert.Equal(ConversationService.DefaultMessages, Assert.Single(defaults.Items).Messages.Count);
        var capped = (await host.Admin.GetFromJsonAsync<ConversationPage>($"/api/webhook/conversations?phone={Chatty}&messages=5000", Web, Ct))!;
        Assert.Equal(50, Assert.Single(capped.Items).Messages.Count);
        Assert.Null(capped.Items[0].OlderMessagesCursor);

        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync($"/api/webhook/conversations?messages=0", Ct)).StatusCode);
        var bad = await host.Admin.GetAsync($"/api/webhook/conversations/{Chatty}/messages?before=nope", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("before", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inbox_keeps_the_last_chat_apart_from_the_last_tap_and_the_chat_list_follows_it()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database);
        var text = Fixtures.Read("inbound-text.json");
        var from = JsonDocument.Parse(text).RootElement.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("messages")[0]
            .GetProperty("from").GetString()!;
        await using (var ctx = host.Db.CreateDbContext())
        {
            ctx.Add(new Advisor { Phone = from, Name = "Writer", CreatedAt = At, UpdatedAt = At });
            await ctx.SaveChangesAsync(Ct);
        }

        Assert.Empty((await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?kind=chat", Web, Ct))!.Items);
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync(text)).StatusCode);
        await HubixTestHost.EventuallyAsync(async () =>
        {
            await using var ctx = host.Db.CreateDbContext();
            return (await ctx.Set<Advisor>().SingleAsync(a => a.Phone == from, Ct)).LastChatAt is not null;
        }, "the inbox sets LastChatAt");

        await using (var ctx = host.Db.CreateDbContext())
        {
            var a = await ctx.Set<Advisor>().SingleAsync(x => x.Phone == from, Ct);
            Assert.Equal(a.LastInboundAt, a.LastChatAt);
        }

        var chats = (await host.Admin.GetFromJsonAsync<ConversationPage>("/api/webhook/conversations?kind=chat", Web, Ct))!;
        Assert.Equal(from, Assert.Single(chats.Items).Phone);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_timeline_pages_back_through_all_its_tables_and_returns_each_entry_once(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        await DashboardScenario.SeedAsync(host.Db);
        await using (var ctx = host.Db.CreateDbContext())
        {
            var id = (await ctx.Set<Advisor>().SingleAsync(a => a.Phone == DashboardScenario.A3, Ct)).Id;
            ctx.Add(new DailySend { AdvisorId = id, Phone = DashboardScenario.A3, LocalDate = DashboardScenario.Day, State = DailySendState.Queued, CreatedAt = new DateTime(2026, 3, 9, 23, 30, 0, DateTimeKind.Utc) });
            await ctx.SaveChangesAsync(Ct);
        }

        var url = $"/api/advisors/{DashboardScenario.A3}/timeline";
        var whole = (await host.Admin.GetFromJsonAsync<AdvisorTimeline>(url + "?limit=1000", Web, Ct))!;
        Assert.Null(whole.OlderCursor);
        Assert.Contains(whole.Entries, e => e.Kind == "agent");
        Assert.Contains(whole.Entries, e => e.Kind == "daily_send");
        Assert.True(whole.Entries.Count > 10, "entries: " + whole.Entries.Count);

        var walked = new List<TimelineEntry>();
        string? before = null;
        var pages = 0;
        do
        {
            var page = (await host.Admin.GetFromJsonAsync<AdvisorTimeline>(url + "?limit=3" + (before is null ? "" : "&before=" + Uri.EscapeDataString(before)), Web, Ct))!;
            Assert.True(page.Entries.Count <= 3);
            Assert.Equal(page.Entries.OrderBy(e => e.At).Select(e => e.At), page.Entries.Select(e => e.At));
            walked.InsertRange(0, page.Entries);
            before = page.OlderCursor;
        }
        while (before is not null && ++pages < 50);

        Assert.Equal(whole.Entries.Select(e => (e.At, e.Kind, e.Summary)), walked.Select(e => (e.At, e.Kind, e.Summary)));
        var defaults = (await host.Admin.GetFromJsonAsync<AdvisorTimeline>(url, Web, Ct))!;
        Assert.Equal(whole.Entries.Count, defaults.Entries.Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync(url + "?limit=0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync(url + "?before=xyz", Ct)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_crm_log_pages_by_time_and_id_with_its_filters(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        await using (var ctx = host.Db.CreateDbContext())
        {
            for (var i = 0; i < 23; i++)
            {
                // Recorded out of Meta's order, and in threes at the same instant: the order is (At, Id), not the id.
                DashboardScenario.Log(ctx, "in", i % 2 == 0 ? "text" : "button", i % 3 == 0 ? "919800000001" : "919800000002", At.AddMinutes(20 - i / 3), "l" + i);
            }

            await ctx.SaveChangesAsync(Ct);
        }

        async Task<List<WebhookEndpoints.InteractionDto>> WalkAsync(string filter)
        {
            var rows = new List<WebhookEndpoints.InteractionDto>();
            string? cursor = null;
            var n = 0;
            do
            {
                var page = (await host.Admin.GetFromJsonAsync<WebhookEndpoints.InteractionList>(
                    "/api/interactions?limit=4" + filter + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), Web, Ct))!;
                Assert.True(page.Items.Count <= 4);
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null && ++n < 20);

            Assert.Equal(rows.OrderByDescending(r => r.At).ThenByDescending(r => r.Id).Select(r => r.Id), rows.Select(r => r.Id));
            Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
            return rows;
        }

        Assert.Equal(23, (await WalkAsync("")).Count);
        Assert.Equal(8, (await WalkAsync("&phone=919800000001")).Count);
        Assert.Equal(12, (await WalkAsync("&type=text")).Count);
        Assert.Equal(9, (await WalkAsync("&since=" + Uri.EscapeDataString(At.AddMinutes(18).ToString("o")))).Count);
        Assert.Equal(23, (await host.Admin.GetFromJsonAsync<WebhookEndpoints.InteractionList>("/api/interactions?limit=100000", Web, Ct))!.Items.Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync("/api/interactions?cursor=abc", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync("/api/interactions?limit=-1", Ct)).StatusCode);
    }

    [Fact]
    public async Task Every_list_endpoint_caps_its_page_and_hands_the_next_cursor_in_a_header()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database);
        await using (var ctx = host.Db.CreateDbContext())
        {
            for (var i = 0; i < 5; i++)
            {
                var at = At.AddMinutes(i % 2);
                var phone = "91980000070" + i;
                ctx.Add(new Advisor { Phone = phone, CreatedAt = at, UpdatedAt = at });
                ctx.Add(new UnknownSender { Phone = "4470000000" + i, FirstSeenAt = at, LastSeenAt = at, MessageCount = 1 });
                ctx.Add(new DeadLetter { At = at, Source = "inbox", Reason = "r" + i, Body = [1] });
                ctx.Add(new DailyRun { StartedAt = at, FinishedAt = at, Trigger = "scheduler" });
                ctx.Add(new DailySend { AdvisorId = 1000 + i, Phone = phone, LocalDate = DashboardScenario.Day, State = DailySendState.Queued, CreatedAt = at });
                ctx.Add(new Hubix.Content.ContentPack { Date = DashboardScenario.Day.AddDays(-(i % 2)), Category = "c" + i, CreatedAt = at, UpdatedAt = at });
                ctx.Add(new UnlockRecord
                {
                    AdvisorId = 1000 + i, Phone = phone, PackId = 1, PackDate = DashboardScenario.Day, Scope = "all", Sequence = 1, LocalDate = DashboardScenario.Day,
                    GroupKey = "g" + i, TapMessageId = "t" + i, TapKind = "button", ResolvedBy = "payload", TappedAt = at, CreatedAt = at, State = UnlockState.Delivered,
                });
            }

            await ctx.SaveChangesAsync(Ct);
        }

        foreach (var route in new[] { "/api/advisors", "/api/unknown-senders", "/api/dead-letters", "/api/daily/runs", "/api/daily/sends", "/api/packs", "/api/unlocks" })
        {
            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var response = await host.Admin.GetAsync(route + "?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var items = (await response.Content.ReadFromJsonAsync<List<JsonElement>>(Web, Ct))!;
                Assert.True(items.Count <= 2, route);
                seen.AddRange(items.Select(i => i.GetRawText()));
                cursor = response.Headers.TryGetValues(Hubix.Kernel.Paging.NextCursorHeader, out var v) ? v.Single() : null;
                pages++;
            }
            while (cursor is not null && pages < 10);

            Assert.True(seen.Count == 5, $"{route}: {seen.Count} rows in {pages} pages");
            Assert.Equal(5, seen.Distinct().Count());
            Assert.Equal(3, pages);
            Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync(route + "?limit=0", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync(route + "?cursor=%25%25", Ct)).StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_daily_report_lists_every_advisor_and_why_those_without_a_template_got_none(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // Batches of two: the four seeded advisors and the three added here are written in four batches.
        await using var host = await StartAsync(database, "--Hubix:Dashboard:ReportBatchSize=2");
        await DashboardScenario.SeedAsync(host.Db);
        var t = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        await using (var ctx = host.Db.CreateDbContext())
        {
            ctx.Add(new Advisor { Phone = "919800000005", Name = "Skipped", CreatedAt = t, UpdatedAt = t });
            ctx.Add(new Advisor { Phone = "919800000006", Name = "Waiting", CreatedAt = t, UpdatedAt = t });
            ctx.Add(new Advisor { Phone = "919800000007", Name = "Out", CreatedAt = t, UpdatedAt = t, Status = AdvisorStatus.OptedOut });
            ctx.Add(new Advisor { Phone = "919800000008", Name = "Gone", CreatedAt = t, UpdatedAt = t, DeletedAt = t });
            await ctx.SaveChangesAsync(Ct);
            var skipped = await ctx.Set<Advisor>().SingleAsync(a => a.Phone == "919800000005", Ct);
            ctx.Add(new DailySend { AdvisorId = skipped.Id, Phone = skipped.Phone, LocalDate = DashboardScenario.Day, State = DailySendState.Skipped, Reason = "no_pack", CreatedAt = t.AddDays(9) });
            await ctx.SaveChangesAsync(Ct);
        }

        var response = await host.Admin.GetAsync("/api/reports/daily?date=2026-03-10&format=csv", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Null(response.Content.Headers.ContentLength);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        Assert.Equal(lines.Skip(1).Select(l => l.Split(',')[1]).Order(StringComparer.Ordinal), lines.Skip(1).Select(l => l.Split(',')[1]));
        Assert.EndsWith(",not_sent,no_pack,en,,,,", lines[5], StringComparison.Ordinal);
        Assert.EndsWith(",not_sent,not_yet_sent,en,,,,", lines[6], StringComparison.Ordinal);
        Assert.EndsWith(",not_sent,opted_out,en,,,,", lines[7], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("919800000008", StringComparison.Ordinal));

        var json = (await host.Admin.GetFromJsonAsync<DailyReport>("/api/reports/daily?date=2026-03-10", Web, Ct))!;
        Assert.Equal(("Asia/Kolkata", 7), (json.TimeZone, json.Rows.Count));
        Assert.Equal(("failed", "error_131026"), (json.Rows[3].Outcome, json.Rows[3].Reason));
        Assert.Equal(("read", null), (json.Rows[0].Outcome, json.Rows[0].Reason));
    }
}

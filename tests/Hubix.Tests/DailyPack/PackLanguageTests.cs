using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.DailyPack;

/// <summary>
/// Pack items in several languages (<c>pack.json</c> items with <c>lang</c>, ADR-010): each advisor gets their language's
/// variant, else the default's recorded as a fallback, through taps, resends and the import API; and the metrics and the
/// daily report by language.
/// </summary>
public class PackLanguageTests
{
    private const string Priya = "919800000001";  // en
    private const string Ramesh = "919800000002"; // hi
    private const string Asha = "919800000003";   // hi-Latn: no Hinglish items or template, gets Hindi items as a fallback

    private static readonly string[] HindiTemplate = ["--Hubix:Templates:Daily:Languages:hi:Language=hi"];

    private const string BilingualPack = """
        {
          "date": "2026-11-24", "category": "market", "description": "Nifty in two languages",
          "items": [
            { "kind": "image", "file": "nifty.png", "caption": "Nifty 26,112" },
            { "kind": "post", "lang": "en", "text": "SIPs build wealth one month at a time." },
            { "kind": "post", "lang": "HI", "text": "एसआईपी हर महीने थोड़ा-थोड़ा करके संपत्ति बनाती है।" },
            { "kind": "update", "lang": "en", "text": "Market update: Nifty closed flat." },
            { "kind": "update", "lang": "hi", "text": "बाज़ार अपडेट: निफ्टी सपाट बंद हुआ।" }
          ]
        }
        """;

    /// <summary>No item has a language: in practice the default language's text, so a Hindi advisor's unlock is a fallback.</summary>
    private const string EnglishOnlyPack = """
        { "date": "2026-11-25", "category": "market", "description": "English only",
          "items": [ { "kind": "post", "text": "Insurance first, investments next." } ] }
        """;

    private static async Task<long> ImportAsync(HubixTestHost host, string json)
    {
        var date = JsonDocument.Parse(json).RootElement.GetProperty("date").GetString()!;
        var dir = Path.Combine(Path.GetTempPath(), "hubix-packs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, date));
        await File.WriteAllTextAsync(Path.Combine(dir, date, "pack.json"), json, Ct);
        File.Copy(Fixtures.Path(Path.Combine("content", "2026-11-24", "nifty.png")), Path.Combine(dir, date, "nifty.png"));
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        return (await PackImport.ImportDirectoryAsync(host.Db, dir, now, Ct)).Single().PackId;
    }

    private static async Task<HubixTestHost> SetUpAsync(TestDatabase database, FakeTimeProvider time)
    {
        var host = await StartAsync(database, time, args: HindiTemplate);
        await AddAdvisorsAsync(host, (Priya, "Priya", "Asia/Kolkata"), (Ramesh, "Ramesh", "Asia/Kolkata"), (Asha, "Asha", "Asia/Kolkata"));
        await SetLanguageAsync(host, Ramesh, "hi");
        await SetLanguageAsync(host, Asha, "hi-Latn");
        return host;
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Each_advisor_gets_their_languages_items_else_the_defaults_recorded_as_a_fallback_and_the_metrics_count_by_language_after_a_rebuild_too(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(Start.AddHours(1)); // 05:30 IST on the 24th
        await using var host = await SetUpAsync(database, time);
        var packId = await ImportAsync(host, BilingualPack);
        var englishOnly = await ImportAsync(host, EnglishOnlyPack);
        await MarkMediaUploadedAsync(host);

        // The daily template, in each advisor's language where there is one; Meta delivers them.
        Assert.Equal(3, (await host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct)).Enqueued);
        var daily = (await OutboxAsync(host, "daily")).ToDictionary(r => r.Recipient);
        await AcceptAsync(host, daily.Values.Select(r => r.Id), time.GetUtcNow().UtcDateTime);
        await SetStateAsync(host, daily.Values.Select(r => r.Id), OutboxState.Delivered);

        // Each taps their template; Ramesh also asks for the 25th's pack, which has no Hindi items.
        foreach (var (phone, i) in new[] { Priya, Ramesh, Asha }.Select((p, i) => (p, i)))
        {
            await PostAsync(host, TemplateTap(phone, "wamid.tap" + i, time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{packId}", contextId: "wamid.out." + daily[phone].Id));
        }

        await PostAsync(host, TemplateTap(Ramesh, "wamid.tap25", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-25:{englishOnly}"));

        var unlock = (await OutboxAsync(host, "unlock")).GroupBy(r => r.Recipient).ToDictionary(g => g.Key, g => g.Select(Body).ToList());
        Assert.Equal(["image", "SIPs build wealth one month at a time.", "Market update: Nifty closed flat."], unlock[Priya]);
        Assert.Equal(["image", "एसआईपी हर महीने थोड़ा-थोड़ा करके संपत्ति बनाती है।", "बाज़ार अपडेट: निफ्टी सपाट बंद हुआ।",
            "Insurance first, investments next."], unlock[Ramesh]);
        Assert.Equal(["image", "एसआईपी हर महीने थोड़ा-थोड़ा करके संपत्ति बनाती है।", "बाज़ार अपडेट: निफ्टी सपाट बंद हुआ।"], unlock[Asha]);
        var records = await WithDbAsync(host, db => db.Set<UnlockRecord>().AsNoTracking().OrderBy(u => u.Id).ToListAsync(Ct));
        Assert.Equal(
            [(Priya, "en", "en", false), (Ramesh, "hi", "hi", false), (Asha, "hi-Latn", "hi", true), (Ramesh, "hi", "en", true)],
            records.Select(u => (u.Phone, u.AdvisorLanguage, u.PackLanguage, u.LanguageFallback)));

        // Meta accepts every item: every pack is delivered whole.
        await AcceptAsync(host, (await OutboxAsync(host, "unlock")).Select(r => r.Id), time.GetUtcNow().UtcDateTime);
        await WithDbAsync(host, async db =>
        {
            await UnlockTracker.RefreshAsync(db, records.Select(r => r.GroupKey).ToList(), Ct);
            return await db.SaveChangesAsync(Ct);
        });

        await MetricFolder.FoldAllAsync(host.Db, Ct);
        var day = new DateOnly(2026, 11, 24);
        var counted = await LanguagesAsync(host, day);
        Assert.Equal(new[] { "en", "hi", "hi-Latn" }, counted.Keys);
        // queued, template fallbacks, sent, delivered, taps (on a template), packs delivered, pack fallbacks
        Assert.Equal((1, 0, 1, 1, 1, 1, 0), Figures(counted["en"]));
        Assert.Equal((1, 0, 1, 1, 1, 2, 1), Figures(counted["hi"]));
        Assert.Equal((1, 1, 1, 1, 1, 1, 1), Figures(counted["hi-Latn"]));

        // The same figures recounted from the raw rows.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        await new MetricsRebuild(host.Db).RunAsync(day, day, zone, time, Ct);
        var rebuilt = await LanguagesAsync(host, day);
        Assert.Equal(counted.Keys, rebuilt.Keys);
        Assert.All(counted.Keys, k => Assert.Equal(Figures(counted[k]), Figures(rebuilt[k])));

        // The daily report says which language each advisor got, and where it was a fallback.
        var csv = (await host.Admin.GetStringAsync("/api/reports/daily?date=2026-11-24&format=csv", Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",language,template_language,template_fallback,pack_language,pack_fallback", csv[0], StringComparison.Ordinal);
        Assert.EndsWith(",en,en,false,en,false", csv.Single(l => l.Contains(Priya, StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith(",hi,hi,false,en,true", csv.Single(l => l.Contains(Ramesh, StringComparison.Ordinal)), StringComparison.Ordinal); // last unlock: the 25th's
        Assert.EndsWith(",hi-Latn,en,true,hi,true", csv.Single(l => l.Contains(Asha, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_resend_sends_the_missing_items_of_the_variant_the_original_sent_even_after_the_advisors_language_changed(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(Start.AddHours(1));
        await using var host = await SetUpAsync(database, time);
        var packId = await ImportAsync(host, BilingualPack);
        await MarkMediaUploadedAsync(host);
        await PostAsync(host, TemplateTap(Ramesh, "wamid.tap1", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{packId}"));
        var rows = await OutboxAsync(host, "unlock");
        Assert.Equal(3, rows.Count);
        // The image and the Hindi post arrive; the Hindi update fails. Then Ramesh's language is changed to English.
        await AcceptAsync(host, rows.Take(2).Select(r => r.Id), time.GetUtcNow().UtcDateTime);
        await SetStateAsync(host, [rows[2].Id], OutboxState.Failed);
        await SetLanguageAsync(host, Ramesh, "en");

        time.Advance(TimeSpan.FromMinutes(5));
        UnlockResult result;
        await using (var work = await UnitOfWork.BeginAsync(host.Db, time.GetUtcNow().UtcDateTime, Ct))
        {
            var original = await work.Db.Set<UnlockRecord>().SingleAsync(Ct);
            await UnlockTracker.RefreshAsync(work.Db, [original], Ct);
            var advisor = await work.Db.Set<Advisor>().SingleAsync(a => a.Phone == Ramesh, Ct);
            result = await host.Services.GetRequiredService<UnlockService>().UnlockAsync(work,
                advisor, new UnlockRequest(original.Scope, "resend", UnlockService.ResendKind, work.Now, ResendOf: original), Ct);
            await work.CommitAsync(Ct);
        }

        Assert.Equal(UnlockOutcome.Queued, result.Outcome);
        var resent = (await OutboxAsync(host, "unlock")).Skip(3).Select(Body).ToList();
        Assert.Equal(["बाज़ार अपडेट: निफ्टी सपाट बंद हुआ।"], resent);
        Assert.Equal(("hi", "hi", false), (result.Unlock!.AdvisorLanguage, result.Unlock.PackLanguage, result.Unlock.LanguageFallback));
    }

    [Fact]
    public async Task The_import_API_stores_each_items_language_normalised_and_refuses_a_bad_one_naming_the_item()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(Start));

        var bad = await host.Admin.PostAsync("/api/packs", Json("""
            { "date": "2026-11-24", "items": [ { "kind": "post", "text": "ok" }, { "kind": "post", "lang": "hindi!", "text": "x" } ] }
            """), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("items[1].lang", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, await WithDbAsync(host, db => db.Set<ContentPack>().CountAsync(Ct)));

        var ok = await host.Admin.PostAsync("/api/packs", Json("""
            { "date": "2026-11-24", "items": [ { "kind": "post", "text": "for all" }, { "kind": "post", "lang": "HI-latn", "text": "sabke liye" } ] }
            """), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var listed = await host.Admin.GetFromJsonAsync<JsonElement>("/api/packs", Ct);
        var items = (listed.ValueKind == JsonValueKind.Array ? listed : listed.GetProperty("items"))[0].GetProperty("items");
        Assert.Equal([null, "hi-Latn"], items.EnumerateArray().Select(i => i.GetProperty("lang").GetString()));
    }

    [Fact]
    public async Task The_demos_Hindi_speaking_advisor_gets_the_Hindi_variant_of_todays_sample_pack_and_the_others_the_English_one()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(database, time);
        var packs = await Hubix.Cli.DemoSeeder.SeedAsync(host.Services, Path.Combine(Agent.AgentTestHost.RepoRoot, "samples", "content"), Ct);
        await MarkMediaUploadedAsync(host);
        var today = await WithDbAsync(host, db => db.Set<ContentPack>().AsNoTracking().SingleAsync(p => packs.Contains(p.Id) && p.Date == new DateOnly(2026, 11, 24), Ct));
        var vikram = Hubix.Cli.DemoSeeder.Advisors.Single(a => a.Language == "hi").Phone;

        await PostAsync(host, TemplateTap(vikram, "wamid.demo.hi", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{today.Id}"));
        await PostAsync(host, TemplateTap(Priya, "wamid.demo.en", time.GetUtcNow(), $"RETRIEVE_CONTENT:2026-11-24:{today.Id}"));

        var rows = (await OutboxAsync(host, "unlock")).GroupBy(r => r.Recipient).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(6, rows[vikram].Count);
        Assert.All(rows[vikram], r => Assert.Matches("[\u0900-\u097F]", Caption(r) ?? Body(r)));
        Assert.Equal(6, rows[Priya].Count);
        Assert.All(rows[Priya], r => Assert.DoesNotMatch("[\u0900-\u097F]", Caption(r) ?? Body(r)));
        var unlocks = await WithDbAsync(host, db => db.Set<UnlockRecord>().AsNoTracking().ToDictionaryAsync(u => u.Phone, Ct));
        Assert.Equal(("hi", false), (unlocks[vikram].PackLanguage, unlocks[vikram].LanguageFallback));
        Assert.Equal(("en", false), (unlocks[Priya].PackLanguage, unlocks[Priya].LanguageFallback));
    }

    private static string? Caption(OutboxMessage row) =>
        UnlockKit.Json(row).TryGetProperty("image", out var image) && image.TryGetProperty("caption", out var c) ? c.GetString() : null;

    [Fact]
    public void Choose_OwnLanguage_ThenBaseLanguage_ThenDefault_AndOnlyTheOwnIsNotAFallback()
    {
        string?[] bilingual = [null, "en", "hi"];

        Assert.Equal(new PackLanguageChoice("hi", false), PackLanguages.Choose(bilingual, "HI", "en"));
        Assert.Equal(new PackLanguageChoice("en", false), PackLanguages.Choose(bilingual, "en", "en"));
        Assert.Equal(new PackLanguageChoice("en", false), PackLanguages.Choose([null], "en", "en"));
        Assert.Equal(new PackLanguageChoice("hi", true), PackLanguages.Choose(bilingual, "hi-Latn", "en"));
        Assert.Equal(new PackLanguageChoice("en", true), PackLanguages.Choose(bilingual, "mr", "en"));
        Assert.Equal(new PackLanguageChoice("en", true), PackLanguages.Choose([null, null], "hi", "en"));
        Assert.True(PackLanguages.Includes(null, "hi"));
        Assert.False(PackLanguages.Includes("en", "hi"));
        Assert.Equal("hi-Latn", PackLanguages.Normalize("HI-latn"));
        Assert.False(PackLanguages.IsValidTag("hindi!"));
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string Body(OutboxMessage row)
    {
        var json = UnlockKit.Json(row);
        return json.TryGetProperty("text", out var text) ? text.GetProperty("body").GetString()! : row.Kind;
    }

    private static (int, int, int, int, int, int, int) Figures(LanguageMetrics l) =>
        (l.TemplatesQueued, l.TemplateFallbacks, l.TemplatesSent, l.TemplatesDelivered, l.Taps, l.PacksDelivered, l.PackFallbacks);

    private static async Task<SortedDictionary<string, LanguageMetrics>> LanguagesAsync(HubixTestHost host, DateOnly day) =>
        (await host.Services.GetRequiredService<MetricsService>().ComputeAsync(day, day, Ct)).Days.Single().Languages;

    private static Task SetStateAsync(HubixTestHost host, IEnumerable<long> ids, OutboxState state)
    {
        var list = ids.ToList();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        return WithDbAsync(host, db => db.Set<OutboxMessage>().Where(o => list.Contains(o.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.State, state)
            .SetProperty(o => o.DeliveredAt, o => state == OutboxState.Delivered ? now : o.DeliveredAt)
            .SetProperty(o => o.FailedAt, o => state == OutboxState.Failed ? now : o.FailedAt), Ct));
    }

    private static Task SetLanguageAsync(HubixTestHost host, string phone, string language) =>
        WithDbAsync(host, db => db.Set<Advisor>().Where(a => a.Phone == phone).ExecuteUpdateAsync(s => s.SetProperty(a => a.Language, language), Ct));
}

using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.DailyPack;

/// <summary>The daily template in each advisor's language (Hubix:Templates:Daily:Languages), with a recorded fallback.</summary>
public class DailyTemplateLanguageTests
{
    private static readonly string[] HindiEntry = ["--Hubix:Templates:Daily:Languages:hi:Language=hi"];

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Each_advisor_gets_the_template_in_their_language_else_the_default_recorded_as_a_fallback(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var checkedTemplates = new List<(string, string)>();
        var catalog = new FakeTemplateCatalog { ByTemplate = (name, lang) => { lock (checkedTemplates) { checkedTemplates.Add((name, lang)); } return new TemplateCheck(true); } };
        await using var host = await StartAsync(database, new FakeTimeProvider(Start.AddHours(1)), catalog, args: HindiEntry); // 05:30 IST
        await AddAdvisorsAsync(host, ("919800000001", "Priya", "Asia/Kolkata"), ("919800000002", "Ramesh", "Asia/Kolkata"), ("919800000003", "Sunil", "Asia/Kolkata"));
        await SetLanguageAsync(host, "919800000002", "hi");
        await SetLanguageAsync(host, "919800000003", "mr");
        await ImportPackAsync(host, "2026-11-24");

        var run = await host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);

        Assert.Equal(3, run.Enqueued);
        var sent = (await OutboxAsync(host, "daily")).ToDictionary(r => r.Recipient, r => Json(r).GetProperty("template").GetProperty("language").GetProperty("code").GetString());
        Assert.Equal("en", sent["919800000001"]);
        Assert.Equal("hi", sent["919800000002"]);
        Assert.Equal("en", sent["919800000003"]); // no Marathi template: the default
        var sends = await WithDbAsync(host, db => db.Set<DailySend>().AsNoTracking().ToDictionaryAsync(s => s.Phone, Ct));
        Assert.Equal(("en", false), (sends["919800000001"].TemplateLanguage, sends["919800000001"].LanguageFallback));
        Assert.Equal(("hi", false), (sends["919800000002"].TemplateLanguage, sends["919800000002"].LanguageFallback));
        Assert.Equal(("en", true), (sends["919800000003"].TemplateLanguage, sends["919800000003"].LanguageFallback));
        Assert.Contains(("daily_content_ready_v1", "hi"), checkedTemplates); // the Hindi entry was pre-flighted
    }

    [Fact]
    public async Task A_language_template_that_fails_the_preflight_falls_back_to_the_default_and_the_send_says_so()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var catalog = new FakeTemplateCatalog
        {
            ByTemplate = (name, lang) => lang == "hi" ? new TemplateCheck(false, "template_not_approved", "PENDING") : new TemplateCheck(true),
        };
        await using var host = await StartAsync(database, new FakeTimeProvider(Start.AddHours(1)), catalog, args: HindiEntry);
        await AddAdvisorsAsync(host, ("919800000002", "Ramesh", "Asia/Kolkata"));
        await SetLanguageAsync(host, "919800000002", "hi");
        await ImportPackAsync(host, "2026-11-24");

        var run = await host.Services.GetRequiredService<DailySender>().RunAsync(new DailyRequest("scheduler"), Ct);

        Assert.Equal(1, run.Enqueued);
        var row = Assert.Single(await OutboxAsync(host, "daily"));
        Assert.Equal("en", Json(row).GetProperty("template").GetProperty("language").GetProperty("code").GetString());
        var send = await WithDbAsync(host, db => db.Set<DailySend>().AsNoTracking().SingleAsync(Ct));
        Assert.Equal(("en", true), (send.TemplateLanguage, send.LanguageFallback));
    }

    [Fact]
    public void For_SingleLanguageConfig_StillSendsTheOneTemplate()
    {
        var options = new DailyTemplateOptions { Name = "daily_content_ready_v1", Language = "en" };

        Assert.Equal(new DailyTemplateChoice("daily_content_ready_v1", "en", false), options.For("en"));
        Assert.Equal(new DailyTemplateChoice("daily_content_ready_v1", "en", true), options.For("hi"));
        options.Languages["hi"] = new DailyTemplateVariant { Name = "daily_ready_hi_v2" };
        Assert.Equal(new DailyTemplateChoice("daily_ready_hi_v2", "hi", false), options.For("HI"));
    }

    private static Task SetLanguageAsync(HubixTestHost host, string phone, string language) =>
        WithDbAsync(host, db => db.Set<Advisor>().Where(a => a.Phone == phone).ExecuteUpdateAsync(s => s.SetProperty(a => a.Language, language), Ct));
}

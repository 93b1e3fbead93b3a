using System.Globalization;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.DailyPack;

/// <summary>A template catalog that answers what the test says.</summary>
public sealed class FakeTemplateCatalog : ITemplateCatalog
{
    public TemplateCheck Answer { get; set; } = new(true);

    /// <summary>When set, answers per template (name, language) instead of <see cref="Answer"/>.</summary>
    public Func<string, string, TemplateCheck>? ByTemplate { get; set; }

    public Task<TemplateCheck> CheckAsync(string name, string language, CancellationToken ct) => Task.FromResult(ByTemplate?.Invoke(name, language) ?? Answer);
}

/// <summary>Shared helpers for the advisor, content, schedule and unlock tests.</summary>
public static class UnlockKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>2026-11-24 04:30 in India (23:00 UTC the day before).</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 23, 0, 0, TimeSpan.Zero);

    public static async Task<HubixTestHost> StartAsync(
        TestDatabase database, FakeTimeProvider time, FakeTemplateCatalog? catalog = null, bool scheduler = false, IEnumerable<string>? args = null)
    {
        catalog ??= new FakeTemplateCatalog();
        return await HubixTestHost.StartAsync(database,
            // These tests assert what is queued and play Meta's part on the rows themselves, so nothing is dispatched.
            [$"--Hubix:Schedule:Enabled={scheduler}", "--Hubix:Delivery:Enabled=false", .. args ?? []],
            time,
            b =>
            {
                b.Services.RemoveAll<ITemplateCatalog>();
                b.Services.AddSingleton<ITemplateCatalog>(catalog);
            });
    }

    public static async Task AddAdvisorsAsync(HubixTestHost host, params (string Phone, string Name, string Zone)[] advisors)
    {
        var time = host.Services.GetRequiredService<TimeProvider>();
        await AdvisorImport.UpsertAsync(host.Db, advisors.Select(a => new AdvisorInput(a.Phone, a.Name, a.Zone, "en", "")).ToList(), time.GetUtcNow().UtcDateTime, Ct);
    }

    public static async Task<long> ImportPackAsync(HubixTestHost host, string folder, int shiftDays = 0)
    {
        var dir = Path.Combine(Path.GetTempPath(), "hubix-packs", Guid.NewGuid().ToString("N"));
        CopyDir(Fixtures.Path(Path.Combine("content", folder)), Path.Combine(dir, folder));
        var time = host.Services.GetRequiredService<TimeProvider>();
        var stored = await PackImport.ImportDirectoryAsync(host.Db, dir, time.GetUtcNow().UtcDateTime, Ct, shiftDays);
        return stored.Single().PackId;
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
    }

    /// <summary>Pretends every media file was uploaded (the test Graph endpoint is unreachable).</summary>
    public static async Task MarkMediaUploadedAsync(HubixTestHost host)
    {
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await using var ctx = host.Db.CreateDbContext();
        await ctx.Set<MediaFile>().ExecuteUpdateAsync(s => s.SetProperty(m => m.CloudMediaId, m => "media-" + m.Id).SetProperty(m => m.UploadedAt, now), Ct);
    }

    public static string Unix(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string Envelope(string from, string messageJson) => $$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
          "messaging_product":"whatsapp",
          "metadata":{"display_phone_number":"15550783881","phone_number_id":"{{HubixTestHost.PhoneNumberId}}"},
          "contacts":[{"profile":{"name":"Advisor"},"wa_id":"{{from}}"}],
          "messages":[{{messageJson}}] },"field":"messages"}]}]}
        """;

    private static string Str(string? s) => s is null ? "null" : JsonSerializer.Serialize(s);

    /// <summary>A template quick-reply tap (type "button"), shaped like Fixtures/inbound-template-quick-reply-button.json.</summary>
    public static string TemplateTap(string from, string wamid, DateTimeOffset at, string payload, string? contextId = "wamid.someTemplate", string text = "Retrieve content") =>
        Envelope(from, $$"""
            {"context":{"from":"15550783881","id":{{Str(contextId)}} },"from":"{{from}}","id":"{{wamid}}","timestamp":"{{Unix(at)}}",
             "type":"button","button":{"payload":{{Str(payload)}},"text":{{Str(text)}} } }
            """);

    public static string ButtonReply(string from, string wamid, DateTimeOffset at, string id, string title = "Images") =>
        Envelope(from, $$"""
            {"context":{"from":"15550783881","id":"wamid.someInteractive"},"from":"{{from}}","id":"{{wamid}}","timestamp":"{{Unix(at)}}",
             "type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":{{Str(id)}},"title":{{Str(title)}} } } }
            """);

    public static string Text(string from, string wamid, DateTimeOffset at, string body) =>
        Envelope(from, $$"""
            {"from":"{{from}}","id":"{{wamid}}","timestamp":"{{Unix(at)}}","type":"text","text":{"body":{{Str(body)}} } }
            """);

    public static string UserPreferences(string waId, string value) => $$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
          "messaging_product":"whatsapp",
          "metadata":{"display_phone_number":"15550783881","phone_number_id":"{{HubixTestHost.PhoneNumberId}}"},
          "contacts":[{"wa_id":"{{waId}}","profile":{"name":"A"} }],
          "user_preferences":[{"wa_id":"{{waId}}","detail":"User requested to stop marketing messages","category":"marketing_messages","value":"{{value}}","timestamp":1731705721}]
          },"field":"user_preferences"}]}]}
        """;

    /// <summary>Posts a signed webhook and waits until the inbox worker processed everything.</summary>
    public static async Task PostAsync(HubixTestHost host, string json)
    {
        var response = await host.PostWebhookAsync(json);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await using var ctx = host.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => !await ctx.Set<InboxEvent>().AnyAsync(e => e.State == InboxState.Pending, Ct), "the inbox to be processed");
        Assert.Equal(0, await ctx.Set<DeadLetter>().CountAsync(Ct));
    }

    public static async Task<List<OutboxMessage>> OutboxAsync(HubixTestHost host, string? purpose = null)
    {
        await using var ctx = host.Db.CreateDbContext();
        var q = ctx.Set<OutboxMessage>().AsNoTracking();
        if (purpose is not null)
        {
            q = q.Where(o => o.Purpose == purpose);
        }

        return await q.OrderBy(o => o.Id).ToListAsync(Ct);
    }

    /// <summary>What the dispatcher would do when Meta accepts: state + wamid.</summary>
    public static async Task AcceptAsync(HubixTestHost host, IEnumerable<long> ids, DateTime at)
    {
        await using var ctx = host.Db.CreateDbContext();
        foreach (var id in ids)
        {
            var row = await ctx.Set<OutboxMessage>().SingleAsync(o => o.Id == id, Ct);
            row.State = OutboxState.Accepted;
            row.AcceptedAt = at;
            row.WaMessageId = "wamid.out." + id.ToString(CultureInfo.InvariantCulture);
        }

        await ctx.SaveChangesAsync(Ct);
    }

    public static JsonElement Json(OutboxMessage row) => JsonDocument.Parse(row.Payload).RootElement;

    public static async Task<T> WithDbAsync<T>(HubixTestHost host, Func<HubixDbContext, Task<T>> f)
    {
        await using var ctx = host.Db.CreateDbContext();
        return await f(ctx);
    }
}

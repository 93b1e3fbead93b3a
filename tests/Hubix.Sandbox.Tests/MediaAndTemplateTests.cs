using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Hubix.Sandbox.Tests;

public sealed class MediaAndTemplateTests
{
    private static async Task<string> UploadAsync(SandboxHarness h, byte[] bytes, string type)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("whatsapp"), "messaging_product");
        form.Add(new StringContent(type), "type");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(file, "file", "report.pdf");
        using var response = await h.Graph.PostAsync($"/{SandboxHarness.Version}/{SandboxHarness.PhoneNumberId}/media", form, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Shape.Same(Shape.Fixture("media-upload-response.json"), body);
        return body.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Media_upload_get_and_download_round_trip()
    {
        await using var h = await SandboxHarness.StartAsync();
        var bytes = "%PDF-1.4 hello"u8.ToArray();
        var id = await UploadAsync(h, bytes, "application/pdf");

        var record = JsonDocument.Parse(await h.Graph.GetStringAsync($"/{SandboxHarness.Version}/{id}", TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(["file_size", "id", "messaging_product", "mime_type", "sha256", "url"], record.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("application/pdf", record.GetProperty("mime_type").GetString());
        Assert.Equal(bytes.Length, record.GetProperty("file_size").GetInt32());
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(bytes)), record.GetProperty("sha256").GetString());
        var url = record.GetProperty("url").GetString()!;
        Assert.Equal(bytes, await h.Graph.GetByteArrayAsync(url, TestContext.Current.CancellationToken));

        using (var anonymous = await h.Control.GetAsync(url, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        h.Time.Advance(TimeSpan.FromMinutes(6));
        using (var expired = await h.Graph.GetAsync(url, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        }
        await h.SendOkAsync(new { messaging_product = "whatsapp", to = "16505551234", type = "document", document = new { id, caption = "your report", filename = "report.pdf" } });
    }

    [Fact]
    public async Task Unknown_media_id_is_100()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.Graph.GetAsync($"/{SandboxHarness.Version}/424242", TestContext.Current.CancellationToken);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal(100, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Template_listing_has_Metas_shape_and_the_default_templates()
    {
        await using var h = await SandboxHarness.StartAsync();
        var list = JsonDocument.Parse(await h.Graph.GetStringAsync(
            $"/{SandboxHarness.Version}/{SandboxHarness.Waba}/message_templates?fields=name,category,status&limit=5", TestContext.Current.CancellationToken)).RootElement;
        var fixture = Shape.Fixture("template-list-response.json");
        Shape.Same(fixture.GetProperty("data"), list.GetProperty("data"));
        Assert.Equal(["daily_content_ready_v1", "daily_content_menu_v1", "daily_content_ready_v1"], list.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToArray());
        Assert.True(list.GetProperty("paging").TryGetProperty("cursors", out _));

        var full = JsonDocument.Parse(await h.Graph.GetStringAsync($"/{SandboxHarness.Version}/{SandboxHarness.Waba}/message_templates", TestContext.Current.CancellationToken)).RootElement;
        var ready = full.GetProperty("data")[0];
        Assert.Equal("en", ready.GetProperty("language").GetString());
        Assert.Equal("UTILITY", ready.GetProperty("category").GetString());
        Assert.Equal("APPROVED", ready.GetProperty("status").GetString());
        Assert.Equal("POSITIONAL", ready.GetProperty("parameter_format").GetString());
        var components = ready.GetProperty("components");
        Assert.Equal("Good morning! Your {{1}} content for {{2}} is ready: {{3}}. Tap below to get it.", components[0].GetProperty("text").GetString());
        Assert.Equal("Retrieve Content", components[1].GetProperty("buttons")[0].GetProperty("text").GetString());
        Assert.Equal(["Images", "Posts", "Market Updates"], full.GetProperty("data")[1].GetProperty("components")[1].GetProperty("buttons").EnumerateArray().Select(b => b.GetProperty("text").GetString()).ToArray());

        // The daily template in Hindi too, for advisors whose language is hi (Hubix:Templates:Daily:Languages).
        var hindi = full.GetProperty("data")[2];
        Assert.Equal(("daily_content_ready_v1", "hi", "UTILITY"), (hindi.GetProperty("name").GetString(), hindi.GetProperty("language").GetString(), hindi.GetProperty("category").GetString()));
        Assert.StartsWith("सुप्रभात", hindi.GetProperty("components")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daily_template_is_accepted_in_Hindi_and_refused_in_a_language_it_does_not_have()
    {
        await using var h = await SandboxHarness.StartAsync();

        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate("16505551234", language: "hi"));
        var refused = await h.SendAsync(SandboxHarness.DailyTemplate("16505551234", language: "mr"));

        Assert.StartsWith("wamid.", id, StringComparison.Ordinal);
        Assert.False(refused.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Template_listing_pages_with_cursors_and_includes_configured_templates()
    {
        await using var h = await SandboxHarness.StartAsync(new()
        {
            ["Hubix:Sandbox:Templates:0:Name"] = "weekly_digest",
            ["Hubix:Sandbox:Templates:0:Category"] = "MARKETING",
            ["Hubix:Sandbox:Templates:0:BodyParameterCount"] = "1",
            ["Hubix:Sandbox:Templates:0:Buttons:0"] = "Stop",
        });
        // Four templates: the three defaults (the daily one in English and Hindi, the menu) and the configured one.
        var first = JsonDocument.Parse(await h.Graph.GetStringAsync($"/{SandboxHarness.Version}/{SandboxHarness.Waba}/message_templates?limit=3", TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(3, first.GetProperty("data").GetArrayLength());
        var next = first.GetProperty("paging").GetProperty("next").GetString()!;
        var second = JsonDocument.Parse(await h.Graph.GetStringAsync(next, TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("weekly_digest", second.GetProperty("data")[0].GetProperty("name").GetString());
        Assert.False(second.GetProperty("paging").TryGetProperty("next", out _));

        var id = await h.SendOkAsync(SandboxHarness.DailyTemplate("16505551234", name: "weekly_digest", parameters: 1, payload: "stop"));
        Assert.StartsWith("wamid.", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_listing_for_another_waba_is_100()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var response = await h.Graph.GetAsync($"/{SandboxHarness.Version}/1/message_templates", TestContext.Current.CancellationToken);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal(100, error.GetProperty("code").GetInt32());
    }
}

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Hubix.AccountHealth;
using Hubix.DailyPack;
using Hubix.WhatsApp.Client;
using Microsoft.Extensions.Options;

namespace Hubix.Cli;

/// <summary>One line of <c>hubix meta check</c>.</summary>
public sealed record CheckLine(bool Ok, string What, string Detail)
{
    public override string ToString() => (Ok ? "OK   " : "FAIL ") + What + ": " + Detail;
}

/// <summary>
/// Checks the Meta side against what Hubix needs, one line each: the token and its permissions, the phone number (status,
/// display name, quality, messaging limit), the app's subscription to the WABA, the daily template (status, category
/// UTILITY, language, body parameters and quick replies as <c>Hubix:Templates:Daily</c> sends them) and, given a URL, that
/// the webhook answers Meta's handshake over HTTPS.
/// </summary>
public static class MetaCheck
{
    /// <summary>What the daily template's body must take: category label, date, description (DailySender).</summary>
    public const int DailyBodyParameters = 3;

    /// <summary>The fields to tick in the app dashboard's WhatsApp webhook settings.</summary>
    public static readonly IReadOnlyList<string> WebhookFields = ["messages", .. AccountUpdates.Fields, "user_preferences"];

    private static readonly string[] NeededPermissions = ["whatsapp_business_messaging", "whatsapp_business_management"];

    public static async Task<List<CheckLine>> RunAsync(IServiceProvider services, string? webhookUrl, CancellationToken ct)
    {
        var lines = new List<CheckLine>();
        var client = services.GetRequiredService<WhatsAppCloudClient>();
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MetaCheck));
        var wa = services.GetRequiredService<IOptions<WhatsAppOptions>>().Value;
        var daily = services.GetRequiredService<IOptions<DailyTemplateOptions>>().Value;
        var root = wa.GraphBaseUrl.TrimEnd('/') + "/" + wa.ApiVersion.Trim('/');

        // Token: GET /me answers only to a valid token; /me/permissions lists what it may do.
        using (var me = await GetAsync(http, root + "/me?fields=id,name", wa.AccessToken, ct))
        {
            if (me.Error is not null)
            {
                lines.Add(new CheckLine(false, "token", me.Error + " Set Hubix:WhatsApp:AccessToken to a valid system-user token."));
            }
            else
            {
                lines.Add(new CheckLine(true, "token", "valid (" + Str(me.Doc!.RootElement, "name") + ")"));
                using var perms = await GetAsync(http, root + "/me/permissions", wa.AccessToken, ct);
                var granted = perms.Doc?.RootElement.TryGetProperty("data", out var data) == true && data.ValueKind == JsonValueKind.Array
                    ? data.EnumerateArray().Where(p => Str(p, "status") == "granted").Select(p => Str(p, "permission")).ToHashSet()
                    : [];
                var missing = NeededPermissions.Where(p => !granted.Contains(p)).ToList();
                lines.Add(missing.Count == 0
                    ? new CheckLine(true, "token permissions", string.Join(", ", NeededPermissions))
                    : new CheckLine(false, "token permissions", "missing " + string.Join(", ", missing) + (perms.Error is null ? "" : " (" + perms.Error + ")")));
            }
        }

        var phone = await client.GetPhoneNumberAsync(ct);
        if (!phone.IsSuccess)
        {
            lines.Add(new CheckLine(false, "phone number", $"{phone.Error.Code}: {phone.Error.Message}. Check Hubix:WhatsApp:PhoneNumberId."));
        }
        else
        {
            var p = phone.Value;
            lines.Add(new CheckLine(p.Status is null or "CONNECTED", "phone number status", p.Status ?? "(not reported)"));
            lines.Add(new CheckLine(!string.IsNullOrEmpty(p.VerifiedName) && p.NameStatus is null or "APPROVED" or "AVAILABLE_WITHOUT_REVIEW",
                "display name", $"{p.VerifiedName} ({p.DisplayPhoneNumber}), name status {p.NameStatus ?? "?"}"));
            lines.Add(new CheckLine(p.QualityRating is not "RED", "quality rating", p.QualityRating ?? "(not reported)"));
            var limit = AccountUpdates.LimitOf(p.MessagingLimitTier);
            lines.Add(new CheckLine(p.MessagingLimitTier is not null, "messaging limit",
                p.MessagingLimitTier is null ? "not reported"
                : p.MessagingLimitTier + (limit is > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({limit} unique users outside a window per 24 h)") : "")));
        }

        try
        {
            var apps = await client.ListSubscribedAppsAsync(ct);
            lines.Add(!apps.IsSuccess
                ? new CheckLine(false, "subscribed apps", $"{apps.Error.Code}: {apps.Error.Message}")
                : apps.Value.Count == 0
                    ? new CheckLine(false, "subscribed apps", "none: run `hubix meta subscribe` so Meta sends this WABA's webhooks to the app")
                    : new CheckLine(true, "subscribed apps", string.Join(", ", apps.Value.Select(a => $"{a.Name} ({a.Id})"))));
            await CheckTemplateAsync(client, daily, lines, ct);
        }
        catch (InvalidOperationException)
        {
            lines.Add(new CheckLine(false, "business account", "Hubix:WhatsApp:BusinessAccountId is not set: subscribed apps and templates cannot be checked."));
        }

        if (webhookUrl is not null)
        {
            lines.Add(await CheckWebhookAsync(http, webhookUrl, wa.VerifyToken, ct));
        }

        return lines;
    }

    private static async Task CheckTemplateAsync(WhatsAppCloudClient client, DailyTemplateOptions daily, List<CheckLine> lines, CancellationToken ct)
    {
        var what = $"daily template {daily.Name} ({daily.Language})";
        var list = await client.ListTemplatesAsync(ct);
        if (!list.IsSuccess)
        {
            lines.Add(new CheckLine(false, what, $"could not list templates: {list.Error.Code}: {list.Error.Message}"));
            return;
        }

        var named = list.Value.Where(t => t.Name == daily.Name).ToList();
        var t = named.FirstOrDefault(x => TemplateKey.Language(x.Language) == TemplateKey.Language(daily.Language));
        if (t is null)
        {
            lines.Add(new CheckLine(false, what, named.Count == 0
                ? "does not exist: create it with `hubix templates create`"
                : "no version in this language (it has " + string.Join(", ", named.Select(x => x.Language)) + "); set Hubix:Templates:Daily:Language"));
            return;
        }

        lines.Add(new CheckLine(true, what + " language", t.Language ?? daily.Language));
        lines.Add(new CheckLine(t.IsApproved, what + " status", t.Status ?? "(not reported)"));
        lines.Add(new CheckLine(string.Equals(t.Category, "UTILITY", StringComparison.OrdinalIgnoreCase), what + " category",
            string.Equals(t.Category, "UTILITY", StringComparison.OrdinalIgnoreCase) ? "UTILITY"
            : $"{t.Category}, expected UTILITY: Meta recategorised it (it would be priced as {t.Category}); fix the template or confirm the category"));
        lines.Add(new CheckLine(t.BodyParameterCount == DailyBodyParameters, what + " body parameters",
            string.Create(CultureInfo.InvariantCulture, $"{t.BodyParameterCount}, Hubix sends {DailyBodyParameters} (category, date, description)")));
        var buttons = daily.EffectiveButtons;
        lines.Add(new CheckLine(t.QuickReplyCount == buttons.Count, what + " quick replies",
            string.Create(CultureInfo.InvariantCulture, $"{t.QuickReplyCount} quick-reply button(s), Hubix:Templates:Daily:Buttons sends payloads for {buttons.Count}: {string.Join(", ", buttons)}")));
    }

    /// <summary>Meta's handshake over HTTPS with the system's trust store: a self-signed certificate fails here as it fails for Meta.</summary>
    private static async Task<CheckLine> CheckWebhookAsync(HttpClient http, string url, string verifyToken, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            return new CheckLine(false, "webhook", $"{url} is not an https:// URL; Meta calls only HTTPS webhooks with a valid certificate");
        }

        var challenge = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        try
        {
            var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
            using var response = await http.GetAsync(
                url + separator + "hub.mode=subscribe&hub.verify_token=" + Uri.EscapeDataString(verifyToken) + "&hub.challenge=" + challenge, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode && body.Trim() == challenge
                ? new CheckLine(true, "webhook", $"{url} answers the verification handshake over HTTPS")
                : new CheckLine(false, "webhook", $"{url} answered HTTP {(int)response.StatusCode} without the challenge: check Hubix:WhatsApp:VerifyToken and the proxy");
        }
        catch (HttpRequestException ex)
        {
            return new CheckLine(false, "webhook", $"{url} is not reachable over HTTPS: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new CheckLine(false, "webhook", $"{url} did not answer in time");
        }
    }

    private sealed class Answer(JsonDocument? doc, string? error) : IDisposable
    {
        public JsonDocument? Doc { get; } = doc;
        public string? Error { get; } = error;

        public void Dispose() => Doc?.Dispose();
    }

    private static async Task<Answer> GetAsync(HttpClient http, string url, string token, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            var doc = await response.Content.ReadFromJsonAsync<JsonDocument>(ct);
            if (response.IsSuccessStatusCode && doc is not null)
            {
                return new Answer(doc, null);
            }

            var message = doc?.RootElement.TryGetProperty("error", out var e) == true ? Str(e, "message") : null;
            doc?.Dispose();
            return new Answer(null, $"HTTP {(int)response.StatusCode}: {message ?? "no Graph error"}".Replace(token, "[redacted]", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new Answer(null, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

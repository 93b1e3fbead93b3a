using System.Text.Json;

namespace Hubix.WhatsApp.Client;

/// <summary>
/// <c>GET /{phone-number-id}</c>: the number's status, display name, quality rating and messaging limit. The limit is
/// <c>whatsapp_business_manager_messaging_limit</c> (e.g. <c>TIER_2K</c>), or the deprecated <c>messaging_limit_tier</c>
/// on older answers (REFERENCE §11).
/// </summary>
public sealed record PhoneNumberInfo(
    string Id, string? DisplayPhoneNumber, string? VerifiedName, string? QualityRating, string? Status, string? NameStatus, string? MessagingLimitTier);

/// <summary>An app subscribed to the WABA's webhooks (<c>GET /{waba-id}/subscribed_apps</c>).</summary>
public sealed record SubscribedApp(string? Id, string? Name);

public sealed partial class WhatsAppCloudClient
{
    private const string PhoneFields = "id,display_phone_number,verified_name,quality_rating,status,name_status,messaging_limit_tier,whatsapp_business_manager_messaging_limit";

    public async Task<GraphResult<PhoneNumberInfo>> GetPhoneNumberAsync(CancellationToken cancellationToken)
    {
        var exchange = await ExchangeAsync(HttpMethod.Get,
            new Uri(_apiRoot + "/" + Uri.EscapeDataString(_options.PhoneNumberId) + "?fields=" + PhoneFields), null, cancellationToken);
        if (exchange.Error is { Code: 100 })
        {
            // Graph refuses a whole request naming a field this version does not have: ask again with the older limit field only.
            exchange = await ExchangeAsync(HttpMethod.Get,
                new Uri(_apiRoot + "/" + Uri.EscapeDataString(_options.PhoneNumberId) + "?fields=" + PhoneFields.Replace(",whatsapp_business_manager_messaging_limit", "", StringComparison.Ordinal)),
                null, cancellationToken);
        }

        if (exchange.Error is not null)
        {
            return GraphResult<PhoneNumberInfo>.Failed(exchange.Error);
        }

        using var doc = exchange.Document!;
        var r = doc.RootElement;
        return GraphResult<PhoneNumberInfo>.Success(new PhoneNumberInfo(
            GetString(r, "id") ?? _options.PhoneNumberId, GetString(r, "display_phone_number"), GetString(r, "verified_name"), GetString(r, "quality_rating"),
            GetString(r, "status"), GetString(r, "name_status"),
            GetString(r, "whatsapp_business_manager_messaging_limit") ?? GetString(r, "messaging_limit_tier")));
    }

    /// <summary><c>GET /{waba-id}/subscribed_apps</c>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="WhatsAppClientOptions.BusinessAccountId"/> is not set.</exception>
    public async Task<GraphResult<IReadOnlyList<SubscribedApp>>> ListSubscribedAppsAsync(CancellationToken cancellationToken)
    {
        var exchange = await ExchangeAsync(HttpMethod.Get, SubscribedAppsUri(), null, cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<IReadOnlyList<SubscribedApp>>.Failed(exchange.Error);
        }

        using var doc = exchange.Document!;
        var apps = new List<SubscribedApp>();
        if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in data.EnumerateArray())
            {
                // Meta nests the app: {"whatsapp_business_api_data":{"id","name","link"}}; older answers are flat.
                var app = a.TryGetProperty("whatsapp_business_api_data", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : a;
                apps.Add(new SubscribedApp(GetString(app, "id"), GetString(app, "name")));
            }
        }

        return GraphResult<IReadOnlyList<SubscribedApp>>.Success(apps);
    }

    /// <summary><c>POST /{waba-id}/subscribed_apps</c>: subscribes the token's app to the WABA's webhooks.</summary>
    public async Task<GraphResult<bool>> SubscribeAppAsync(CancellationToken cancellationToken)
    {
        var exchange = await ExchangeAsync(HttpMethod.Post, SubscribedAppsUri(), null, cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<bool>.Failed(exchange.Error);
        }

        using var doc = exchange.Document!;
        return GraphResult<bool>.Success(doc.RootElement.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True);
    }

    /// <summary><c>POST /{waba-id}/message_templates</c> with a template definition (REFERENCE §9); the answer's <c>id</c> and <c>status</c>.</summary>
    public async Task<GraphResult<(string Id, string? Status, string? Category)>> CreateTemplateAsync(string definitionJson, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_options.BusinessAccountId))
        {
            throw new InvalidOperationException("BusinessAccountId is required to create templates.");
        }

        var exchange = await ExchangeAsync(HttpMethod.Post,
            new Uri(_apiRoot + "/" + Uri.EscapeDataString(_options.BusinessAccountId) + "/message_templates"), JsonContent(definitionJson), cancellationToken);
        if (exchange.Error is not null)
        {
            return GraphResult<(string, string?, string?)>.Failed(exchange.Error);
        }

        using var doc = exchange.Document!;
        var r = doc.RootElement;
        return GraphResult<(string, string?, string?)>.Success((GetString(r, "id") ?? "", GetString(r, "status"), GetString(r, "category")));
    }

    private Uri SubscribedAppsUri()
    {
        if (string.IsNullOrWhiteSpace(_options.BusinessAccountId))
        {
            throw new InvalidOperationException("BusinessAccountId is required for subscribed_apps.");
        }

        return new Uri(_apiRoot + "/" + Uri.EscapeDataString(_options.BusinessAccountId) + "/subscribed_apps");
    }
}

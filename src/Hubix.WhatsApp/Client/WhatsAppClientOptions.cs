using System.Text;

namespace Hubix.WhatsApp.Client;

/// <summary>Connection settings for <see cref="WhatsAppCloudClient"/>. <see cref="ToString"/> never shows the token.</summary>
public sealed record WhatsAppClientOptions
{
    public string GraphBaseUrl { get; init; } = "https://graph.facebook.com";

    public string ApiVersion { get; init; } = "v23.0";

    /// <summary>System-user or business token, sent only as <c>Authorization: Bearer</c>.</summary>
    public required string AccessToken { get; init; }

    /// <summary>The business phone number id (not the phone number).</summary>
    public required string PhoneNumberId { get; init; }

    /// <summary>WABA id; needed for template listing.</summary>
    public string? BusinessAccountId { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("GraphBaseUrl = ").Append(GraphBaseUrl)
            .Append(", ApiVersion = ").Append(ApiVersion)
            .Append(", AccessToken = [redacted]")
            .Append(", PhoneNumberId = ").Append(PhoneNumberId)
            .Append(", BusinessAccountId = ").Append(BusinessAccountId);
        return true;
    }
}

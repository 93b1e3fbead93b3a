using Hubix.WhatsApp.Client;
using Microsoft.Extensions.Options;

namespace Hubix.Kernel;

/// <summary><c>Hubix:WhatsApp</c>: our business number on the Cloud API, and how fast we may talk to it.</summary>
public sealed class WhatsAppOptions : IHubixOptions
{
    public static string Section => "Hubix:WhatsApp";

    /// <summary>App secret: the HMAC key of <c>X-Hub-Signature-256</c>. Required.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>
    /// The app secret before the last rotation, optional: while set, webhooks signed with either secret are accepted, so
    /// rotating the secret in Meta's app dashboard loses none that were signed (or retried) with the old one. Remove it once
    /// the rotation is done. Both are compared in constant time.
    /// </summary>
    public string? PreviousAppSecret { get; set; }

    /// <summary>The token Meta echoes in the GET handshake. Required.</summary>
    public string VerifyToken { get; set; } = "";

    /// <summary>Bearer token for Graph calls. Required.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>Our business phone number id. Required.</summary>
    public string PhoneNumberId { get; set; } = "";

    /// <summary>WhatsApp Business Account id, used to list templates. Optional.</summary>
    public string? BusinessAccountId { get; set; }

    public string GraphBaseUrl { get; set; } = "https://graph.facebook.com";
    public string ApiVersion { get; set; } = "v23.0";

    /// <summary>Throughput budget of the number (Meta: 80 by default, up to 1,000).</summary>
    public double MessagesPerSecond { get; set; } = 80;

    /// <summary>Messages one recipient may get back to back before pacing to one per <see cref="PairInterval"/>.</summary>
    public int PairBurst { get; set; } = 10;

    /// <summary>Meta's pair rate: about one message per 6 s to the same user.</summary>
    public TimeSpan PairInterval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Unique advisors the daily run may reach outside an open customer-service window per moving 24 h (Meta's messaging
    /// limit of the business portfolio: 250, 2000, 10000, 100000). Unset or 0: the limit Meta announced
    /// (phone_number_quality_update webhook), else the one the API reports; -1: unlimited.
    /// </summary>
    public int MessagingLimit { get; set; }

    /// <summary>Timeout of one Graph call.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The shape of the settings. Whether the secrets are there at all is checked by <c>hubix serve</c> before it builds
    /// anything (<c>ConfigurationCheck</c>): other commands (advisor or content import) work without a Meta account.
    /// </summary>
    public IEnumerable<string> Problems()
    {
        if (!Uri.TryCreate(GraphBaseUrl, UriKind.Absolute, out _))
        {
            yield return $"Hubix:WhatsApp:GraphBaseUrl '{GraphBaseUrl}' is not an absolute URL.";
        }

        if (MessagingLimit < -1)
        {
            yield return "Hubix:WhatsApp:MessagingLimit must be -1 (unlimited), 0 (read it from Meta) or a positive number such as 250 or 2000.";
        }

        if (MessagesPerSecond <= 0)
        {
            yield return "Hubix:WhatsApp:MessagesPerSecond must be a positive number.";
        }

        if (PairBurst < 1 || PairInterval <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            yield return "Hubix:WhatsApp:PairBurst must be at least 1, and Hubix:WhatsApp:PairInterval and RequestTimeout positive.";
        }
    }
}


public static class WhatsAppConnection
{
    /// <summary>The typed Cloud API client, configured from <c>Hubix:WhatsApp</c>.</summary>
    public static IHostApplicationBuilder AddWhatsAppClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<WhatsAppOptions>();
        builder.Services.AddHttpClient(nameof(WhatsAppCloudClient)).AddTypedClient<WhatsAppCloudClient>((http, sp) =>
        {
            var o = sp.GetRequiredService<IOptions<WhatsAppOptions>>().Value;
            http.Timeout = o.RequestTimeout;
            return new WhatsAppCloudClient(http, new WhatsAppClientOptions
            {
                GraphBaseUrl = o.GraphBaseUrl,
                ApiVersion = o.ApiVersion,
                AccessToken = o.AccessToken,
                PhoneNumberId = o.PhoneNumberId,
                BusinessAccountId = o.BusinessAccountId,
            });
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            // Enough parallel connections to reach 1,000 messages/s at Graph's latency.
            MaxConnectionsPerServer = 256,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        return builder;
    }
}

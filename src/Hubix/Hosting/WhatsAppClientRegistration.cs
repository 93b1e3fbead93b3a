using Hubix.WhatsApp.Client;
using Microsoft.Extensions.Options;

namespace Hubix.Hosting;

public static class WhatsAppClientRegistration
{
    /// <summary>The typed Cloud API client, configured from <c>Hubix:WhatsApp</c>.</summary>
    public static IHostApplicationBuilder AddWhatsAppClient(this IHostApplicationBuilder builder)
    {
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

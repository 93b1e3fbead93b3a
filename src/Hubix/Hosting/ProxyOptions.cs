using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Hubix.Hosting;

/// <summary>
/// <c>Hubix:Proxy</c>: the TLS reverse proxy in front of Hubix (deploy/Caddyfile). Its <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are believed only when the connection comes from one of <see cref="KnownProxies"/>;
/// from anyone else they are ignored (a client cannot claim another address or https).
/// </summary>
public sealed class ProxyOptions : IHubixOptions
{
    public static string Section => "Hubix:Proxy";

    /// <summary>IP addresses of the proxies (default loopback: Caddy on the same host).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>The addresses in force: the configured ones, or 127.0.0.1 and ::1.</summary>
    public IReadOnlyList<string> Effective => KnownProxies.Count == 0 ? ["127.0.0.1", "::1"] : KnownProxies;

    public IEnumerable<string> Problems()
    {
        foreach (var p in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return $"Hubix:Proxy:KnownProxies: '{p}' is not an IP address (e.g. 127.0.0.1).";
        }
    }

    /// <summary>Only these proxies, no networks; X-Forwarded-For and -Proto; one hop (Caddy).</summary>
    public void Apply(ForwardedHeadersOptions o)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        o.KnownIPNetworks.Clear();
        o.KnownProxies.Clear();
        foreach (var p in Effective)
        {
            o.KnownProxies.Add(IPAddress.Parse(p));
        }

        o.ForwardLimit = 1;
    }
}

internal sealed class ConfigureForwardedHeaders(IOptions<ProxyOptions> proxy) : IConfigureOptions<ForwardedHeadersOptions>
{
    public void Configure(ForwardedHeadersOptions options) => proxy.Value.Apply(options);
}

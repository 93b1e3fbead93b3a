using System.Net;
using System.Security.Cryptography;

namespace Hubix.Sandbox;

/// <summary>
/// What keeps the sandbox a local tool: it listens on loopback only (unless told otherwise), it never signs webhooks with
/// a production app secret, and its control POSTs need a header that a cross-site HTML form cannot send.
/// </summary>
public static class SandboxSafety
{
    /// <summary>
    /// The header every control POST under <c>/_sandbox/</c> must carry (value <c>1</c>). An HTML form cannot set a header,
    /// and a cross-site <c>fetch</c> that sets one needs a CORS preflight the sandbox never grants, so a page on another site
    /// cannot tap, text or reset the simulated phones.
    /// </summary>
    public const string ControlHeader = "X-Sandbox-Control";

    /// <summary>A control request (under <c>/_sandbox</c>, not a read) without <see cref="ControlHeader"/>: 1.</summary>
    public static bool IsRefusedControlRequest(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Path.StartsWithSegments("/_sandbox", StringComparison.OrdinalIgnoreCase)
        && !Microsoft.AspNetCore.Http.HttpMethods.IsGet(request.Method) && !Microsoft.AspNetCore.Http.HttpMethods.IsHead(request.Method)
        && request.Headers[ControlHeader] != "1";

    internal static Task RefuseAsync(Microsoft.AspNetCore.Http.HttpResponse response)
    {
        response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status403Forbidden;
        return Microsoft.AspNetCore.Http.HttpResponseJsonExtensions.WriteAsJsonAsync(response,
            new Control.ControlError($"Control requests need the header {ControlHeader}: 1."), Control.ControlEndpoints.Json);
    }

    /// <summary>
    /// The listen addresses in <paramref name="urls"/> (separated by ';') that are not loopback: <c>0.0.0.0</c>, <c>*</c>,
    /// <c>+</c>, a LAN address, a host name other than <c>localhost</c>.
    /// </summary>
    public static IReadOnlyList<string> NonLoopback(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(u => !IsLoopbackUrl(u)).ToList();

    private static bool IsLoopbackUrl(string url)
    {
        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? url[(i + 3)..] : url;
        var host = afterScheme.Split('/')[0];
        host = host.StartsWith('[') ? host[1..Math.Max(1, host.IndexOf(']', StringComparison.Ordinal))] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>
    /// Whether the sandbox may sign with and accept the <c>Hubix:WhatsApp</c> secrets of its configuration: only when that
    /// configuration points Hubix at a local Graph (<c>Hubix:WhatsApp:GraphBaseUrl</c> set to a loopback URL, as the demo and
    /// a development setup do). Without it, or with any other URL, a server with that configuration talks to Meta, so its
    /// app secret and access token are real ones: the sandbox must not sign webhooks with Meta's secret for whoever reaches it.
    /// </summary>
    public static bool MayBorrowSecrets(string? graphBaseUrl) =>
        !string.IsNullOrWhiteSpace(graphBaseUrl) && Uri.TryCreate(graphBaseUrl, UriKind.Absolute, out var uri) && uri.IsLoopback;

    internal static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>The sandbox was asked to listen on a non-loopback address without <c>--allow-remote</c>.</summary>
public sealed class SandboxListenException(string message) : ArgumentException(message);

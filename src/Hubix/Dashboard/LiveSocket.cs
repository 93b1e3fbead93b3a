using System.Net.WebSockets;
using Hubix.Operators;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// <c>GET /ws</c>: the live feed over a WebSocket. Authorised by the session cookie or a bearer header (a token or the
/// machine key) through the server's authentication, or by a single-use <c>ticket</c> from <c>POST /api/ws-ticket</c>
/// (browsers cannot set headers on WebSockets, and a long-lived key in a URL ends up in proxy logs). The server only sends;
/// anything the client sends is read and ignored, so a close is noticed.
/// </summary>
internal static partial class LiveSocket
{
    public static async Task HandleAsync(HttpContext http, IServiceProvider services)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("WebSocket only.", http.RequestAborted);
            return;
        }

        if (!await IsAuthorizedAsync(http, services))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var feed = services.GetRequiredService<LiveFeed>();
        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var sampler = services.GetService<DashboardSampler>();
        var logger = services.GetRequiredService<ILogger<LiveFeed>>();

        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var subscription = feed.Subscribe(options.ClientBuffer);
        // Not linked to the drop: cancelling a WebSocket's pending send or receive aborts it, and a dropped client that
        // still reads should get a close frame saying why. A send stuck on a client that stopped reading is cancelled
        // (and the socket aborted) two seconds after the drop.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        using var dropped = subscription.Dropped.Register(() => TryCancelAfter(cts, CloseTimeout));
        LogConnected(logger, subscription.Id, feed.ClientCount);
        if (sampler?.Last is { } last)
        {
            feed.PublishTo(subscription, last);
        }

        var closedByClient = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = DrainAsync(ws, closedByClient, cts);
        try
        {
            await foreach (var bytes in subscription.Reader.ReadAllAsync(cts.Token))
            {
                if (subscription.Dropped.IsCancellationRequested || closedByClient.Task.IsCompleted)
                {
                    break;
                }

                await ws.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cts.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // Closed, stuck after a drop, or shutting down.
        }
        finally
        {
            if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    var (status, reason) = subscription.Dropped.IsCancellationRequested
                        ? (WebSocketCloseStatus.PolicyViolation, "too slow: events were dropped; reconnect and reload")
                        : (WebSocketCloseStatus.EndpointUnavailable, "server stopping");
                    using var closeTimeout = new CancellationTokenSource(CloseTimeout);
                    await ws.CloseOutputAsync(status, reason, closeTimeout.Token);
                    await closedByClient.Task.WaitAsync(CloseTimeout);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or IOException)
                {
                }
            }

            TryCancelAfter(cts, TimeSpan.Zero);
            if (ws.State != WebSocketState.Closed)
            {
                ws.Abort();
            }

            await receiving;
            LogDisconnected(logger, subscription.Id, subscription.Dropped.IsCancellationRequested);
        }
    }

    /// <summary>
    /// The main server authenticated the request already (cookie or bearer); the extra listener of
    /// <see cref="DashboardOptions.WebSocketUrls"/> has no authentication middleware, so a bearer is checked here.
    /// </summary>
    private static async Task<bool> IsAuthorizedAsync(HttpContext http, IServiceProvider services)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            return true;
        }

        if (http.Request.Query.TryGetValue("ticket", out var ticket))
        {
            return await services.GetRequiredService<WsTickets>().RedeemAsync(ticket.ToString(), http.RequestAborted) is not null;
        }

        return CredentialCheck.BearerOf(http.Request) is { } bearer
            && await services.GetRequiredService<CredentialCheck>().FromBearerAsync(bearer, CredentialCheck.BearerScheme, http.RequestAborted) is not null;
    }

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private static void TryCancelAfter(CancellationTokenSource cts, TimeSpan delay)
    {
        try
        {
            cts.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads (and discards) what the client sends, until its close frame or the connection's end; then ends the send loop.</summary>
    private static async Task DrainAsync(WebSocket ws, TaskCompletionSource closedByClient, CancellationTokenSource cts)
    {
        var ct = cts.Token;
        var buffer = new byte[1024];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var result = await ws.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            closedByClient.TrySetResult();
            TryCancelAfter(cts, TimeSpan.Zero);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live feed client {ClientId} connected ({Clients} connected)")]
    private static partial void LogConnected(ILogger logger, long clientId, int clients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live feed client {ClientId} disconnected (dropped as too slow: {Dropped})")]
    private static partial void LogDisconnected(ILogger logger, long clientId, bool dropped);
}

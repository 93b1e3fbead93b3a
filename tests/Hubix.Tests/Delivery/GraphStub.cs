using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hubix.Tests.Delivery;

/// <summary>One send the stub received.</summary>
public sealed record StubCall(int Seq, string To, long OutboxId, int AttemptOfOutbox, string Body);

/// <summary>An error answer in Meta's envelope.</summary>
public sealed record StubError(int Code, string Message, string Details, int HttpStatus = 400, string Type = "OAuthException");

/// <summary>
/// A loopback Kestrel "Graph": answers <c>POST /{version}/{phone-number-id}/messages</c> with Meta's success body or a
/// scripted error envelope, and records every request. (Stands in until src/Hubix.Sandbox lands.)
/// </summary>
public sealed class GraphStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<long, int> _attempts = new();
    private int _seq;

    private GraphStub(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<StubCall> Calls { get; } = new();

    /// <summary>Null: success (wamid.stub-{outbox id}-{attempt}). Set by the test; called concurrently.</summary>
    public Func<StubCall, StubError?> Script { get; set; } = _ => null;

    /// <summary>Real-time delay before answering (for in-flight tests).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>Every answer waits for this task (after <see cref="Delay"/>): lets a test act while a send is in flight.</summary>
    public Task Hold { get; set; } = Task.CompletedTask;

    public IEnumerable<string> HostArgs => [$"--Hubix:WhatsApp:GraphBaseUrl={Url}"];

    public int CountFor(long outboxId) => Calls.Count(c => c.OutboxId == outboxId);

    public static string WamidFor(long outboxId, int attempt = 1) => FormattableString.Invariant($"wamid.stub-{outboxId}-{attempt}");

    public static async Task<GraphStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        GraphStub? stub = null;
        app.MapPost("/{version}/{phoneNumberId}/messages", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            using var doc = JsonDocument.Parse(body);
            var to = doc.RootElement.GetProperty("to").GetString()!;
            var id = doc.RootElement.TryGetProperty("biz_opaque_callback_data", out var cb) ? long.Parse(cb.GetString()!, CultureInfo.InvariantCulture) : -1;
            var attempt = stub!._attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
            var call = new StubCall(Interlocked.Increment(ref stub._seq), to, id, attempt, body);
            stub.Calls.Enqueue(call);
            if (stub.Delay > TimeSpan.Zero)
            {
                await Task.Delay(stub.Delay, CancellationToken.None);
            }

            await stub.Hold.WaitAsync(http.RequestAborted);

            if (stub.Script(call) is { } error)
            {
                return Results.Json(
                    new
                    {
                        error = new
                        {
                            message = error.Message,
                            type = error.Type,
                            code = error.Code,
                            error_data = new { messaging_product = "whatsapp", details = error.Details },
                            fbtrace_id = "AbCdEf123",
                        },
                    },
                    statusCode: error.HttpStatus);
            }

            return Results.Json(new
            {
                messaging_product = "whatsapp",
                contacts = new[] { new { input = to, wa_id = to.TrimStart('+') } },
                messages = new[] { new { id = WamidFor(id, attempt) } },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new GraphStub(app, address);
        return stub;
    }

    public static StubError PairRate => new(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.");

    public static StubError Throughput => new(130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.");

    public static StubError WindowClosed => new(131047, "(#131047) Re-engagement message",
        "More than 24 hours have passed since the recipient last replied to the sender number.");

    public static StubError Unknown => new(131000, "(#131000) Something went wrong", "Message failed to send due to an unknown error.", 500);

    public static StubError TokenExpired => new(190, "Error validating access token: Session has expired.", "token expired", 401);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

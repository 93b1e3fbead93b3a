namespace Hubix.Bench;

/// <summary>
/// The comparison point of the ingest scenario: Kestrel with one POST /webhook that reads the body and answers
/// 200, nothing else. Runs as its own process (the bench re-executes itself with <see cref="Command"/>), so
/// the load client and the server do not share a runtime, a GC or a thread pool; it gets Server GC like hubix.
/// </summary>
public static class BareServer
{
    public const string Command = "bare-server";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok());
        app.MapPost("/webhook", async (HttpRequest request) =>
        {
            var buffer = new byte[16 * 1024];
            while (await request.Body.ReadAsync(buffer) > 0)
            {
            }

            return Results.Ok();
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Starts the bare server as a child process on a free port.</summary>
    public static async Task<(Child Child, Uri Url)> StartAsync(string workDir, TimeSpan bound, CancellationToken ct)
    {
        var port = Children.FreePort();
        var self = Environment.ProcessPath!;
        var dll = typeof(BareServer).Assembly.Location;
        var (program, args) = Path.GetFileNameWithoutExtension(self) == "Hubix.Bench"
            ? (self, new List<string>())
            : ("dotnet", new List<string> { dll });
        args.AddRange([Command, $"--urls=http://127.0.0.1:{port}"]);
        var child = Child.Start("bare-kestrel", program, args, workDir, Path.Combine(workDir, "bare.log"), bound,
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_gcConcurrent"] = "1" });
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await Children.WaitReadyAsync(child, new Uri(baseUrl, "/healthz"), TimeSpan.FromSeconds(30), ct);
        return (child, new Uri(baseUrl, "/webhook"));
    }
}

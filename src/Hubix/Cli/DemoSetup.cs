namespace Hubix.Cli;

/// <summary>What `hubix demo` does once both are up: seed demo advisors and content, optionally send now.</summary>
internal static class DemoSetup
{
    public static Task RunAsync(WebApplication server, bool sendNow, CancellationToken ct)
    {
        // Seeding arrives with the advisors and content features.
        _ = server;
        _ = sendNow;
        _ = ct;
        return Task.CompletedTask;
    }
}

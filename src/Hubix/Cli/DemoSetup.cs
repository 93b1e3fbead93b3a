using Hubix.DailyPack;

namespace Hubix.Cli;

/// <summary>What `hubix demo` does once the server and the sandbox are up.</summary>
internal static class DemoSetup
{
    /// <summary>
    /// Seeds five demo advisors and the sample library (re-dated so its first day is today), and with
    /// <paramref name="sendNow"/> sends today's daily template to all of them at once instead of waiting for 05:00.
    /// </summary>
    public static async Task RunAsync(WebApplication server, bool sendNow, CancellationToken ct)
    {
        var contentDir = Path.Combine(AppContext.BaseDirectory, "samples", "content");
        var packs = await DemoSeeder.SeedAsync(server.Services, contentDir, ct);
        Console.WriteLine($"demo: {DemoSeeder.Advisors.Count} advisors and {packs.Count} content packs seeded.");
        if (!sendNow)
        {
            Console.WriteLine("demo: the daily template goes out at 05:00 local time; start with --send-now to send it now.");
            return;
        }

        var sender = server.Services.GetRequiredService<DailySender>();
        var result = await sender.RunAsync(new DailyRequest("demo", Force: true), ct);
        var reasons = string.Join(", ", result.Reasons.Select(r => $"{r.Key}: {r.Value}"));
        Console.WriteLine($"demo: daily template queued for {result.Enqueued} advisor(s); skipped {result.Skipped}{(reasons.Length > 0 ? " (" + reasons + ")" : "")}.");
    }
}

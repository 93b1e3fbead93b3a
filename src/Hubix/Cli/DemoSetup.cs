using System.Text.Json;
using Hubix.DailyPack;
using Hubix.Operators;

namespace Hubix.Cli;

/// <summary>What `hubix demo` does once the server and the sandbox are up.</summary>
internal static class DemoSetup
{
    public const string AdminName = "admin";

    /// <summary>
    /// The demo's admin user, so the dashboard can be used: made on the first run with a generated password, which is
    /// kept (owner-only) in <c>DIR/demo-admin.json</c> so later runs can print it again. Returns (name, password).
    /// </summary>
    public static async Task<(string Name, string Password)> EnsureAdminAsync(WebApplication server, string dir, CancellationToken ct)
    {
        var path = Path.Combine(dir, "demo-admin.json");
        var users = server.Services.GetRequiredService<UserService>();
        if (File.Exists(path) && JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(path, ct)) is { } saved
            && saved.TryGetValue("name", out var name) && saved.TryGetValue("password", out var kept)
            && (await users.ListAsync(ct)).Any(u => u.Name == name && u.DisabledAt is null))
        {
            return (name, kept);
        }

        var password = UserService.GeneratePassword();
        if ((await users.ListAsync(ct)).Any(u => string.Equals(u.Name, AdminName, StringComparison.OrdinalIgnoreCase)))
        {
            // An admin exists whose password we do not know (the file was removed): add another.
            name = AdminName + "-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        }
        else
        {
            name = AdminName;
        }

        await users.AddAsync(name, Roles.Admin, password, "demo", ct);
        var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["password"] = password });
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(json);
        }

        return (name, password);
    }

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

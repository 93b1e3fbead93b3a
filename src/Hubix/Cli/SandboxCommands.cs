using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Hubix.Hosting;
using Hubix.Sandbox;

namespace Hubix.Cli;

/// <summary><c>hubix sandbox</c> (the Cloud API emulator alone) and <c>hubix demo</c> (server + sandbox in one process).</summary>
internal static class SandboxCommands
{
    public static Command Sandbox()
    {
        var urls = new Option<string>("--urls") { Description = "Where the sandbox listens.", DefaultValueFactory = _ => "http://127.0.0.1:5090" };
        var webhook = new Option<string?>("--webhook") { Description = "Hubix's webhook URL, e.g. http://127.0.0.1:5080/webhook." };
        var command = new Command("sandbox", "Run the local Cloud API sandbox (Graph API + simulated phones) alone.") { urls, webhook };
        command.SetAction(async (result, ct) =>
        {
            var config = HostConfiguration(HubixCli.HostArgs(result));
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (result.GetValue(webhook) is { } url)
            {
                overrides["Hubix:Sandbox:WebhookUrl"] = url;
            }

            var merged = new ConfigurationBuilder().AddConfiguration(config).AddInMemoryCollection(overrides).Build();
            await using var app = SandboxApp.Create(merged, result.GetValue(urls)!);
            await app.StartAsync(ct);
            Console.WriteLine($"sandbox: Graph API and phones at {result.GetValue(urls)}/_sandbox/ ; webhooks to {merged["Hubix:Sandbox:WebhookUrl"] ?? "(none)"}");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    public static Command Demo()
    {
        var urls = new Option<string>("--urls") { Description = "Where the server listens.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var sandboxUrls = new Option<string>("--sandbox-urls") { Description = "Where the sandbox listens.", DefaultValueFactory = _ => "http://127.0.0.1:5090" };
        var sendNow = new Option<bool>("--send-now") { Description = "Send today's daily template to every demo advisor right away." };
        var dataDir = new Option<string>("--data") { Description = "Folder for the SQLite file and the demo secrets.", DefaultValueFactory = _ => "data" };
        var command = new Command("demo", "Run Hubix and the sandbox together, wired with generated secrets, on an SQLite file under ./data.")
        {
            urls, sandboxUrls, sendNow, dataDir,
        };
        command.SetAction(async (result, ct) =>
        {
            var serverUrl = result.GetValue(urls)!.TrimEnd('/');
            var sandboxUrl = result.GetValue(sandboxUrls)!.TrimEnd('/');
            var dir = Path.GetFullPath(result.GetValue(dataDir)!);
            Directory.CreateDirectory(dir);
            var secrets = DemoSecrets.LoadOrCreate(Path.Combine(dir, "demo-secrets.json"));

            var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Hubix:WhatsApp:AppSecret"] = secrets.AppSecret,
                ["Hubix:WhatsApp:VerifyToken"] = secrets.VerifyToken,
                ["Hubix:WhatsApp:AccessToken"] = secrets.AccessToken,
                ["Hubix:WhatsApp:PhoneNumberId"] = "100000000000001",
                ["Hubix:WhatsApp:BusinessAccountId"] = "200000000000001",
                ["Hubix:WhatsApp:GraphBaseUrl"] = sandboxUrl,
                ["Hubix:AdminApiKey"] = secrets.AdminApiKey,
                ["Hubix:Sandbox:WebhookUrl"] = serverUrl + "/webhook",
                ["ConnectionStrings:Hubix"] = "Data Source=" + Path.Combine(dir, "hubix.db"),
            };

            // Explicit arguments win over the demo's defaults.
            string[] serverArgs = [.. settings.Select(kv => $"--{kv.Key}={kv.Value}"), "--urls=" + serverUrl, .. HubixCli.HostArgs(result)];
            var server = HubixServer.Create(serverArgs);
            // A copy: the sandbox's host writes its own "urls" into its configuration, which must not reach the server's.
            var sandboxConfig = new ConfigurationBuilder().AddInMemoryCollection(server.Configuration.AsEnumerable()).Build();
            await using var sandbox = SandboxApp.Create(sandboxConfig, sandboxUrl);
            await sandbox.StartAsync(ct);
            try
            {
                await HubixServer.StartAsync(server, ct);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                return HubixCli.OptionsError(ex);
            }

            await DemoSetup.RunAsync(server, result.GetValue(sendNow), ct);
            var (adminName, adminPassword) = await DemoSetup.EnsureAdminAsync(server, dir, ct);

            Console.WriteLine($"""

                Hubix demo is running.
                  Dashboard:       {serverUrl}/        (sign in as {adminName}, password {adminPassword}; kept in {Path.Combine(dir, "demo-admin.json")})
                  Sandbox phones:  {sandboxUrl}/_sandbox/
                  API example:     curl -H "Authorization: Bearer {secrets.AdminApiKey}" {serverUrl}/api/interactions
                  Data:            {dir}
                Press Ctrl+C to stop.
                """);
            await server.WaitForShutdownAsync(ct);
            await server.DisposeAsync();
            return 0;
        });
        return command;
    }

    /// <summary>appsettings.json beside the binary, environment, then arguments: what the server reads too.</summary>
    internal static IConfiguration HostConfiguration(string[] args) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args)
        .Build();

    /// <summary>Secrets for the demo, generated once and kept under the data folder so a restart keeps the same admin key.</summary>
    internal sealed record DemoSecrets(string AppSecret, string VerifyToken, string AccessToken, string AdminApiKey)
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        public static DemoSecrets LoadOrCreate(string path)
        {
            if (File.Exists(path) && JsonSerializer.Deserialize<DemoSecrets>(File.ReadAllText(path)) is { } existing)
            {
                return existing;
            }

            static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var created = new DemoSecrets(Token(), Token(), Token(), Token());
            File.WriteAllText(path, JsonSerializer.Serialize(created, Json));
            return created;
        }
    }
}

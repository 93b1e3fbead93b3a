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
        var allowRemote = AllowRemoteOption();
        var command = new Command("sandbox", "Run the local Cloud API sandbox (Graph API + simulated phones) alone.") { urls, webhook, allowRemote };
        command.SetAction(async (result, ct) =>
        {
            var config = HostConfiguration(HubixCli.HostArgs(result));
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (result.GetValue(webhook) is { } url)
            {
                overrides["Hubix:Sandbox:WebhookUrl"] = url;
            }

            var merged = new ConfigurationBuilder().AddConfiguration(config).AddInMemoryCollection(overrides).Build();
            WebApplication app;
            try
            {
                app = SandboxApp.Create(merged, result.GetValue(urls)!, allowRemote: result.GetValue(allowRemote));
            }
            catch (SandboxListenException ex)
            {
                await Console.Error.WriteLineAsync("sandbox: --urls: " + ex.Message);
                return 2;
            }

            await using var _ = app;
            await app.StartAsync(ct);
            Console.WriteLine($"sandbox: Graph API and phones at {result.GetValue(urls)}/_sandbox/ ; webhooks to {merged["Hubix:Sandbox:WebhookUrl"] ?? "(none)"}");
            var sandboxOptions = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SandboxOptions>>().Value;
            if (sandboxOptions.GeneratedSecrets)
            {
                // Throwaway secrets of this sandbox run, never the configuration's (those are Meta's): point a test server at them.
                Console.WriteLine("sandbox: this configuration talks to Meta (Hubix:WhatsApp:GraphBaseUrl is not a loopback URL), so its secrets are not used here.");
                Console.WriteLine($"sandbox: this run's own secrets: Hubix:WhatsApp:AppSecret={sandboxOptions.AppSecret} Hubix:WhatsApp:AccessToken={sandboxOptions.AccessToken}" +
                    " (set Hubix:Sandbox:AppSecret and Hubix:Sandbox:AccessToken to choose them)");
            }

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
        var allowRemote = AllowRemoteOption();
        var command = new Command("demo", "Run Hubix and the sandbox together, wired with generated secrets, on an SQLite file under ./data.")
        {
            urls, sandboxUrls, sendNow, dataDir, allowRemote,
        };
        command.SetAction(async (result, ct) =>
        {
            var serverUrl = result.GetValue(urls)!.TrimEnd('/');
            var sandboxUrl = result.GetValue(sandboxUrls)!.TrimEnd('/');
            var dir = Path.GetFullPath(result.GetValue(dataDir)!);
            Directory.CreateDirectory(dir);
            var secrets = DemoSecrets.LoadOrCreate(dir);

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
                // The demo's Hindi-speaking advisor (Vikram Singh) gets the sandbox's Hindi daily template.
                ["Hubix:Templates:Daily:Languages:hi:Language"] = "hi",
                ["ConnectionStrings:Hubix"] = "Data Source=" + Path.Combine(dir, "hubix.db"),
            };

            // Explicit arguments win over the demo's defaults.
            string[] serverArgs = [.. settings.Select(kv => $"--{kv.Key}={kv.Value}"), "--urls=" + serverUrl, .. HubixCli.HostArgs(result)];
            var server = HubixServer.Create(serverArgs);
            // A copy: the sandbox's host writes its own "urls" into its configuration, which must not reach the server's.
            // The demo's server and sandbox share the demo's own generated secrets (not Meta's), whatever the listen address.
            var sandboxConfig = new ConfigurationBuilder().AddInMemoryCollection(server.Configuration.AsEnumerable())
                .AddInMemoryCollection(new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["Hubix:Sandbox:AppSecret"] = server.Configuration["Hubix:WhatsApp:AppSecret"],
                    ["Hubix:Sandbox:AccessToken"] = server.Configuration["Hubix:WhatsApp:AccessToken"],
                }).Build();
            WebApplication sandboxApp;
            try
            {
                sandboxApp = SandboxApp.Create(sandboxConfig, sandboxUrl, allowRemote: result.GetValue(allowRemote));
            }
            catch (SandboxListenException ex)
            {
                await Console.Error.WriteLineAsync("demo: --sandbox-urls: " + ex.Message);
                return 2;
            }

            await using var sandbox = sandboxApp;
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

    private static Option<bool> AllowRemoteOption() => new("--allow-remote")
    {
        Description = "Let the sandbox listen on a non-loopback address (anyone who reaches it can send signed webhooks and play every phone).",
    };

    /// <summary>appsettings.json beside the binary, environment, then arguments: what the server reads too.</summary>
    internal static IConfiguration HostConfiguration(string[] args) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args)
        .Build();

    /// <summary>
    /// Secrets for the demo, generated once and kept under the data folder so a restart keeps the same admin key: in
    /// <c>secrets/demo-secrets.json</c>, the file 0600 inside a 0700 folder (only the user who runs the demo reads them;
    /// the data folder itself may be shared or user-chosen, so its mode is left alone). A file an older version left at
    /// <c>demo-secrets.json</c> is moved there.
    /// </summary>
    internal sealed record DemoSecrets(string AppSecret, string VerifyToken, string AccessToken, string AdminApiKey)
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        public static string FolderOf(string dataDir) => Path.Combine(dataDir, "secrets");

        public static string PathOf(string dataDir) => Path.Combine(FolderOf(dataDir), "demo-secrets.json");

        public static DemoSecrets LoadOrCreate(string dataDir)
        {
            var folder = FolderOf(dataDir);
            var path = PathOf(dataDir);
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder); // NTFS: the user's profile ACLs apply; there are no Unix modes to set
            }
            else
            {
                Directory.CreateDirectory(folder, OwnerOnlyFolder);
                File.SetUnixFileMode(folder, OwnerOnlyFolder); // created earlier with a looser mode: tighten it
            }

            var legacy = Path.Combine(dataDir, "demo-secrets.json");
            if (!File.Exists(path) && File.Exists(legacy))
            {
                File.Move(legacy, path);
            }

            if (File.Exists(path) && JsonSerializer.Deserialize<DemoSecrets>(File.ReadAllText(path)) is { } existing)
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, OwnerOnlyFile);
                }

                return existing;
            }

            static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var created = new DemoSecrets(Token(), Token(), Token(), Token());
            // Created 0600 from the first byte (never world-readable, not even between a write and a chmod).
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            using (var stream = new FileStream(path, options))
            {
                JsonSerializer.Serialize(stream, created, Json);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, OwnerOnlyFile); // FileMode.Create on an existing (unreadable) file keeps its mode
            }

            return created;
        }
    }
}

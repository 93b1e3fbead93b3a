using System.Diagnostics;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>The credentials the bench gives hubix and the sandbox (both read the same Hubix:WhatsApp keys).</summary>
public static class BenchSecrets
{
    public const string AppSecret = "bench-app-secret";
    public const string VerifyToken = "bench-verify-token";
    public const string AccessToken = "bench-access-token";
    public const string PhoneNumberId = "106540352242922";
    public const string BusinessAccountId = "102290129340398";
    public const string AdminKey = "bench-admin-key-0123456789abcdef-0123456789";
    public static readonly byte[] AppSecretBytes = System.Text.Encoding.UTF8.GetBytes(AppSecret);
}

public static class BuildInfo
{
#if DEBUG
    public static readonly string Configuration = "Debug";
#else
    public static readonly string Configuration = "Release";
#endif
}

/// <summary>The run's scratch directory (database, logs); deleted at the end unless --keep.</summary>
public sealed class WorkDir : IDisposable
{
    private readonly bool _keep;

    public WorkDir(string scenario, bool keep)
    {
        _keep = keep;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hubix-bench", $"{scenario}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (_keep)
        {
            Console.WriteLine($"kept: {Path}");
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open for a moment; the OS cleans temp.
        }
    }
}

/// <summary>The built <c>hubix</c> binary and what it can do (which subcommands have landed).</summary>
public sealed class HubixBinary
{
    private HubixBinary(string path, IReadOnlySet<string> commands)
    {
        Path = path;
        Commands = commands;
    }

    public string Path { get; }
    public IReadOnlySet<string> Commands { get; }

    public static async Task<HubixBinary> FindAsync(Options options, CancellationToken ct)
    {
        var path = options.HubixBinary ?? System.IO.Path.Combine(options.Repo, "src", "Hubix", "bin", BuildInfo.Configuration, "net10.0", "hubix");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing; build it: dotnet build -c {BuildInfo.Configuration} src/Hubix");
        }

        var (_, output) = await RunAsync(path, ["--help"], options.Repo, TimeSpan.FromSeconds(30), ct);
        // System.CommandLine help lists subcommands under "Commands:" as "  name  description".
        var commands = new HashSet<string>(StringComparer.Ordinal);
        var inCommands = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("Commands:", StringComparison.Ordinal))
            {
                inCommands = true;
                continue;
            }

            if (inCommands && line.StartsWith("  ", StringComparison.Ordinal))
            {
                var name = line.Trim().Split(' ', 2)[0];
                commands.Add(name.Split('<')[0].Trim());
            }
            else if (inCommands && line.Trim().Length == 0)
            {
                inCommands = false;
            }
        }

        return new HubixBinary(path, commands);
    }

    public void Require(params string[] commands)
    {
        var missing = commands.Where(c => !Commands.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new NotAvailableException($"hubix has no '{string.Join("', '", missing)}' command (has: {string.Join(", ", Commands.Order(StringComparer.Ordinal))})");
        }
    }

    /// <summary>Runs hubix (or anything) to completion, bounded; returns exit code and combined output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> args, string workDir, TimeSpan bound, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(bound);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{System.IO.Path.GetFileName(program)} {string.Join(' ', psi.ArgumentList)} did not finish within {bound.TotalSeconds:0} s");
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    public async Task<string> RunCheckedAsync(IEnumerable<string> args, string workDir, TimeSpan bound, CancellationToken ct)
    {
        var list = args.ToList();
        var (code, output) = await RunAsync(Path, list, workDir, bound, ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"hubix {string.Join(' ', list.Take(3))} exited {code}:\n{output}");
        }

        return output;
    }
}

/// <summary><c>hubix serve</c> as a child process on a free loopback port, with its own database.</summary>
public sealed class HubixServer : IDisposable
{
    private readonly HubixBinary _binary;
    private readonly IReadOnlyList<string> _args;
    private readonly string _workDir;
    private readonly string _log;
    private readonly TimeSpan _bound;

    public HubixServer(HubixBinary binary, BenchDb db, string workDir, TimeSpan bound, IEnumerable<string>? extraArgs = null, Uri? graph = null, int? port = null,
        string name = "hubix")
    {
        Name = name;
        _binary = binary;
        _workDir = workDir;
        _bound = bound;
        Port = port ?? Children.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}");
        _log = System.IO.Path.Combine(workDir, name + ".log");
        _args =
        [
            "serve",
            $"--urls=http://127.0.0.1:{Port}",
            .. CommonArgs(db, graph),
            // Console logging at Information costs a lot of CPU under load; warnings and errors still show.
            "--Logging:LogLevel:Default=Warning",
            .. (extraArgs ?? []).ToList(),
        ];
    }

    /// <summary>Configuration every hubix command of the run gets (serve and the CLI imports alike).</summary>
    public static IEnumerable<string> CommonArgs(BenchDb db, Uri? graph) =>
    [
        $"--Hubix:WhatsApp:AppSecret={BenchSecrets.AppSecret}",
        $"--Hubix:WhatsApp:VerifyToken={BenchSecrets.VerifyToken}",
        $"--Hubix:WhatsApp:AccessToken={BenchSecrets.AccessToken}",
        $"--Hubix:WhatsApp:PhoneNumberId={BenchSecrets.PhoneNumberId}",
        $"--Hubix:WhatsApp:BusinessAccountId={BenchSecrets.BusinessAccountId}",
        $"--Hubix:WhatsApp:GraphBaseUrl={graph?.ToString().TrimEnd('/') ?? "http://127.0.0.1:9"}",
        $"--Hubix:AdminApiKey={BenchSecrets.AdminKey}",
        .. db.HostArgs,
    ];

    public string Name { get; }
    public int Port { get; }
    public Uri BaseAddress { get; }
    public Uri Webhook => new(BaseAddress, "/webhook");
    public Child? Process { get; private set; }
    public int Starts { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        Process?.Dispose();
        Process = Child.Start(Name, _binary.Path, _args, _workDir, _log, _bound);
        Starts++;
        await Children.WaitReadyAsync(Process, new Uri(BaseAddress, "/readyz"), TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>SIGKILL (no graceful stop): what a crash looks like.</summary>
    public void Kill() => Process?.Kill();

    public (double CpuSeconds, long RssBytes, long PeakRssBytes)? Sample() =>
        Process?.ProgramPid is { } pid ? ProcSampler.Read(pid) : null;

    public void Dispose() => Process?.Dispose();
}

/// <summary><c>hubix sandbox</c> (the Cloud API emulator) as a child process.</summary>
public sealed class SandboxServer : IDisposable
{
    public SandboxServer(HubixBinary binary, string workDir, Uri webhook, TimeSpan bound, IEnumerable<string>? extraArgs = null)
    {
        binary.Require("sandbox");
        Port = Children.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}");
        Args =
        [
            "sandbox",
            "--urls", $"http://127.0.0.1:{Port}",
            "--webhook", webhook.ToString(),
            $"--Hubix:WhatsApp:AppSecret={BenchSecrets.AppSecret}",
            $"--Hubix:WhatsApp:AccessToken={BenchSecrets.AccessToken}",
            $"--Hubix:WhatsApp:PhoneNumberId={BenchSecrets.PhoneNumberId}",
            $"--Hubix:WhatsApp:BusinessAccountId={BenchSecrets.BusinessAccountId}",
            // The bench's Hubix talks to this sandbox, not Meta: its secrets are the bench's, so the sandbox may use them.
            $"--Hubix:WhatsApp:GraphBaseUrl=http://127.0.0.1:{Port}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs ?? [],
        ];
        Binary = binary;
        WorkDirPath = workDir;
        Bound = bound;
    }

    private HubixBinary Binary { get; }
    private string WorkDirPath { get; }
    private TimeSpan Bound { get; }
    public IReadOnlyList<string> Args { get; }
    public int Port { get; }
    public Uri BaseAddress { get; }
    public Child? Process { get; private set; }

    public (double CpuSeconds, long RssBytes, long PeakRssBytes)? Sample() =>
        Process?.ProgramPid is { } pid ? ProcSampler.Read(pid) : null;

    public async Task StartAsync(CancellationToken ct)
    {
        Process = Child.Start("sandbox", Binary.Path, Args, WorkDirPath, System.IO.Path.Combine(WorkDirPath, "sandbox.log"), Bound);
        await Children.WaitReadyAsync(Process, new Uri(BaseAddress, "/_sandbox/stats"), TimeSpan.FromSeconds(60), ct);
    }

    public void Dispose() => Process?.Dispose();
}

public static class Fmt
{
    public static string N(double v, int decimals = 0) => v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Ms(double ms) => ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture) : ms.ToString("0.0", CultureInfo.InvariantCulture);

    public static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    public static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var idx = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(idx, 0, sorted.Count - 1)];
    }
}

using System.Diagnostics;

namespace Hubix.Tests.Infrastructure;

/// <summary>The real <c>hubix</c> binary as a child process: <c>serve</c> (waits for /readyz) and one-shot CLI commands.</summary>
public static class ServeProcess
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string Hubix => Path.Combine(AppContext.BaseDirectory, "hubix");

    public static async Task<Process> StartServeAsync(int port, string[] common, string dir)
    {
        var psi = new ProcessStartInfo(Hubix) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["serve", $"--urls=http://127.0.0.1:{port}", .. common])
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        // HUBIX_TEST_SERVE_LOGS=DIR keeps each serve's output in DIR/serve-PORT.log, for debugging a failed run.
        var logs = Environment.GetEnvironmentVariable("HUBIX_TEST_SERVE_LOGS");
        StreamWriter? log = string.IsNullOrEmpty(logs) ? null : new StreamWriter(Path.Combine(logs, $"serve-{port}.log"), append: true) { AutoFlush = true };
        var sync = new Lock();
        void Write(string? line)
        {
            if (log is not null && line is not null)
            {
                lock (sync)
                {
                    log.WriteLine(line);
                }
            }
        }

        p.OutputDataReceived += (_, e) => Write(e.Data);
        p.ErrorDataReceived += (_, e) => Write(e.Data);
        p.Exited += (_, _) => { lock (sync) { log?.Dispose(); log = null; } };
        p.EnableRaisingEvents = true;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await HubixTestHost.EventuallyAsync(async () =>
        {
            Assert.False(p.HasExited, "hubix serve exited during start");
            try
            {
                using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), Ct);
                return r.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "hubix serve to be ready", 60_000);
        return p;
    }

    /// <summary>Runs a one-shot command; returns its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, string dir, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(Hubix) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(Ct);
        var error = p.StandardError.ReadToEndAsync(Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await output, await error);
    }

    public static async Task RunCliAsync(string[] args, string dir)
    {
        var (code, output, error) = await RunAsync(args, dir);
        Assert.True(code == 0, $"hubix {args[0]} exited {code}: {output}{error}");
    }

    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}

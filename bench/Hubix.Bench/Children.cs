using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hubix.Bench;

/// <summary>
/// A child process in its own process group: started as <c>setsid timeout -s KILL &lt;bound&gt; program args</c>,
/// so that (1) one <c>kill(-pgid)</c> ends it and anything it started, and (2) even if the bench itself is
/// SIGKILLed, <c>timeout</c> kills the child when the bound runs out. Output goes to a log file.
/// </summary>
public sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private Child(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }
    public string LogPath { get; }

    /// <summary>The process group (the pid of setsid → timeout).</summary>
    public int GroupId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static Child Start(string name, string program, IEnumerable<string> args, string workDir, string logPath, TimeSpan bound,
        IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("timeout");
        psi.ArgumentList.Add("-s");
        psi.ArgumentList.Add("KILL");
        psi.ArgumentList.Add(((int)Math.Ceiling(bound.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(program);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new Child(name, process, log, logPath);
        Children.Register(child);
        return child;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The child outlived its log by a moment.
            }
        }
    }

    /// <summary>The real program's pid: the child of <c>timeout</c> (null until it has started).</summary>
    public int? ProgramPid
    {
        get
        {
            try
            {
                var text = File.ReadAllText($"/proc/{GroupId}/task/{GroupId}/children").Trim();
                return text.Length == 0 ? null : int.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>SIGKILL to the whole process group, then reap.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _ = Native.kill(-GroupId, 9);
            _ = Native.kill(GroupId, 9);
            _process.WaitForExit(5000);
        }

        Children.Unregister(this);
    }

    /// <summary>SIGTERM to the group (graceful stop), SIGKILL after the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            var pid = ProgramPid;
            if (pid is not null)
            {
                _ = Native.kill(pid.Value, 15);
            }

            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Not stopped in time: kill below.
            }
        }

        Kill();
    }

    public string Tail(int lines = 30)
    {
        try
        {
            using var s = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var r = new StreamReader(s);
            var all = r.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}

/// <summary>Every child still alive, so that any exit path kills them all.</summary>
public static class Children
{
    private static readonly ConcurrentDictionary<int, Child> Alive = new();

    internal static void Register(Child c) => Alive[c.GroupId] = c;

    internal static void Unregister(Child c) => Alive.TryRemove(c.GroupId, out _);

    public static void KillAll()
    {
        foreach (var c in Alive.Values)
        {
            try
            {
                c.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Polls a URL until it answers 2xx, the process exits, or the bound runs out.</summary>
    public static async Task WaitReadyAsync(Child child, Uri url, TimeSpan bound, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < bound)
        {
            ct.ThrowIfCancellationRequested();
            if (child.HasExited)
            {
                throw new InvalidOperationException($"{child.Name} exited during start; log {child.LogPath}:\n{child.Tail()}");
            }

            try
            {
                using var r = await http.GetAsync(url, ct);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Slow start.
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{child.Name} not ready at {url} within {bound.TotalSeconds:0} s; log {child.LogPath}:\n{child.Tail()}");
    }
}

internal static partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int sig);
}

/// <summary>CPU time and memory of one process from /proc (Linux).</summary>
public sealed class ProcSampler
{
    private static readonly double TicksPerSecond = 100; // CLK_TCK is 100 on Linux x86-64.

    public static (double CpuSeconds, long RssBytes, long PeakRssBytes)? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = ParseKb(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = ParseKb(line);
                }
            }

            return ((utime + stime) / TicksPerSecond, rss, hwm);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long ParseKb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

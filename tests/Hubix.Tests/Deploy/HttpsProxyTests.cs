using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Hubix.Hosting;
using Hubix.Tests.Architecture;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Deploy;

/// <summary>
/// deploy/Caddyfile as shipped, with Pebble (Let's Encrypt's ACME test server) as the certificate authority: Caddy gets a
/// certificate by ACME, and deploy/verify-webhook.sh (the README's last step) finds the webhook verified over HTTPS, a
/// signed POST stored by Hubix and an unsigned one refused. ./test.sh installs caddy and pebble from apt.
/// </summary>
public sealed class HttpsProxyTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly List<Process> _processes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("hubix-https-").FullName;

    [Fact]
    public async Task Pebble_issues_caddy_a_certificate_and_a_signed_webhook_over_https_is_stored_and_an_unsigned_one_refused()
    {
        foreach (var tool in new[] { "caddy", "pebble", "openssl", "curl" })
        {
            if (Which(tool) is null)
            {
                Assert.Skip($"{tool} is not installed (./test.sh installs caddy and pebble from apt).");
            }
        }

        // Pebble's own TLS (its ACME directory is HTTPS only): a throwaway CA and a 127.0.0.1 certificate, with openssl.
        await RunAsync("openssl", "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=hubix-test-pebble-tls-ca");
        await RunAsync("openssl", "req -newkey rsa:2048 -nodes -keyout pebble.key -out pebble.csr -subj /CN=localhost");
        await File.WriteAllTextAsync(Path.Combine(_dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n", Ct);
        await RunAsync("openssl", "x509 -req -in pebble.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out pebble.pem -days 2 -extfile san.ext");

        int acme = FreePort(), management = FreePort(), https = FreePort(), http = FreePort();
        await File.WriteAllTextAsync(Path.Combine(_dir, "pebble.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            pebble = new Dictionary<string, object>
            {
                ["listenAddress"] = $"127.0.0.1:{acme}", ["managementListenAddress"] = $"127.0.0.1:{management}",
                ["certificate"] = Path.Combine(_dir, "pebble.pem"), ["privateKey"] = Path.Combine(_dir, "pebble.key"),
                ["httpPort"] = FreePort(), ["tlsPort"] = FreePort(), ["ocspResponderURL"] = "", ["externalAccountBindingRequired"] = false,
            },
        }), Ct);
        Start("pebble", ["-config", Path.Combine(_dir, "pebble.json")], new()
        {
            ["PEBBLE_VA_ALWAYS_VALID"] = "1", ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_WFE_NONCEREJECT"] = "0",
        });
        await WaitForPortAsync(acme, "pebble");

        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var hubix = await HubixTestHost.StartAsync(database, ["--Hubix:Schedule:Enabled=false"]);

        var caddyfile = Path.Combine(FeatureTree.RepositoryRoot(), "deploy", "Caddyfile");
        Start("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], new()
        {
            ["HUBIX_DOMAIN"] = "hubix.test",
            ["HUBIX_UPSTREAM"] = $"127.0.0.1:{hubix.BaseAddress.Port}",
            ["ACME_CA"] = $"https://127.0.0.1:{acme}/dir",
            ["ACME_CA_ROOT"] = Path.Combine(_dir, "ca.pem"),
            ["HUBIX_BIND"] = "127.0.0.1",
            ["HUBIX_HTTP_PORT"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HUBIX_HTTPS_PORT"] = https.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CADDY_ADMIN"] = "off",
            ["HOME"] = _dir, ["XDG_DATA_HOME"] = Path.Combine(_dir, "data"), ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "config"),
        });

        // Pebble's issuing root (it makes a new one each start): what a browser or Meta would already trust.
        var pebbleCa = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_dir, "ca.pem"), Ct));
        using (var management_ = new HttpClient(Trusting(pebbleCa)))
        {
            var root = await management_.GetStringAsync($"https://127.0.0.1:{management}/roots/0", Ct);
            await File.WriteAllTextAsync(Path.Combine(_dir, "pebble-root.pem"), root, Ct);
        }

        var issuer = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_dir, "pebble-root.pem"), Ct));
        using var client = new HttpClient(Trusting(issuer, connectTo: https)) { BaseAddress = new Uri($"https://hubix.test:{https}") };
        string? lastError = null;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var ready = await client.GetAsync("/healthz", Ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                lastError = "HTTP " + (int)ready.StatusCode;
            }
            catch (HttpRequestException ex)
            {
                lastError = ex.Message;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), $"Caddy did not serve hubix.test with Pebble's certificate: {lastError}\n{Logs()}");
            await Task.Delay(500, Ct);
        }

        var script = Path.Combine(FeatureTree.RepositoryRoot(), "deploy", "verify-webhook.sh");
        var (code, output) = await RunAsync("bash", $"{script} https://hubix.test:{https}/webhook", new()
        {
            ["HUBIX_VERIFY_TOKEN"] = HubixTestHost.VerifyToken,
            ["HUBIX_APP_SECRET"] = HubixTestHost.AppSecret,
            ["CURL_OPTS"] = $"--cacert {_dir}/pebble-root.pem --resolve hubix.test:{https}:127.0.0.1",
        }, check: false);
        Assert.True(code == 0, output + "\n" + Logs());
        Assert.Contains("OK   handshake", output, StringComparison.Ordinal);
        Assert.Contains("OK   signed webhook: stored (HTTP 200)", output, StringComparison.Ordinal);
        Assert.Contains("OK   unsigned webhook: refused (HTTP 401)", output, StringComparison.Ordinal);

        await using var ctx = hubix.Db.CreateDbContext();
        var stored = await ctx.Set<InboxEvent>().ToListAsync(Ct);
        var body = Assert.Single(stored); // the signed one; the unsigned one was stored nowhere
        Assert.Contains("whatsapp_business_account", System.Text.Encoding.UTF8.GetString(body.Body), StringComparison.Ordinal);
    }

    [Fact]
    public void Forwarded_headers_are_believed_only_from_the_configured_proxies()
    {
        var options = new ForwardedHeadersOptions();
        new ProxyOptions { KnownProxies = ["10.1.2.3"] }.Apply(options);
        Assert.Equal([IPAddress.Parse("10.1.2.3")], options.KnownProxies);
        Assert.Empty(options.KnownIPNetworks); // not the 127.0.0.0/8 default: only what is configured
        var defaults = new ForwardedHeadersOptions();
        new ProxyOptions().Apply(defaults);
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("::1")], defaults.KnownProxies);
        Assert.Single(new ProxyOptions { KnownProxies = ["not-an-ip"] }.Problems());
    }

    private static SocketsHttpHandler Trusting(X509Certificate2 root, int? connectTo = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false; // the name must match; only the root is ours to supply
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(root);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return custom.Build(new X509Certificate2(certificate));
        };
        if (connectTo is { } port)
        {
            // hubix.test resolves nowhere: connect to Caddy on loopback, keep the name for SNI and the certificate check.
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        return handler;
    }

    private void Start(string tool, string[] args, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo(Which(tool)!) { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var p = Process.Start(info)!;
        var log = Path.Combine(_dir, tool + ".log");
        p.OutputDataReceived += (_, e) => Append(log, e.Data);
        p.ErrorDataReceived += (_, e) => Append(log, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add(p);
    }

    private static void Append(string path, string? line)
    {
        if (line is not null)
        {
            lock (path)
            {
                File.AppendAllText(path, line + "\n");
            }
        }
    }

    private string Logs() => string.Join("\n", new[] { "caddy", "pebble" }.Select(t => Path.Combine(_dir, t + ".log")).Where(File.Exists)
        .Select(f => "--- " + Path.GetFileName(f) + "\n" + string.Join("\n", File.ReadAllLines(f).TakeLast(30))));

    private async Task<(int Code, string Output)> RunAsync(string tool, string args, Dictionary<string, string>? env = null, bool check = true)
    {
        var info = new ProcessStartInfo(Which(tool)!, args) { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env ?? [])
        {
            info.Environment[k] = v;
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        var output = await stdout + await stderr;
        if (check)
        {
            Assert.True(p.ExitCode == 0, $"{tool} {args}: {output}");
        }

        return (p.ExitCode, output);
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static async Task WaitForPortAsync(int port, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port, Ct);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, Ct);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

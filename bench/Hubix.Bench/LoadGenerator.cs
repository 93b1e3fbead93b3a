using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Bench;

/// <summary>One planned request: the body, its signature, and which event it carries.</summary>
public readonly record struct PlannedRequest(byte[] Body, string Signature, long EventId);

public sealed class LoadResult
{
    public required double Seconds { get; init; }
    public required long Completed { get; init; }
    public required long Ok { get; init; }
    public required IReadOnlyDictionary<int, long> StatusCodes { get; init; }
    public required long TransportErrors { get; init; }
    public required List<double> LatenciesMs { get; init; }

    public double OkPerSecond => Ok / Seconds;
    public double P(double p) => Fmt.Percentile(LatenciesMs, p);
}

/// <summary>
/// A closed-loop HTTP load client: <c>concurrency</c> workers, each with its own keep-alive connection
/// (SocketsHttpHandler), sending back to back. The first <c>warmup</c> is not measured (JIT, pools, page
/// cache); then for <c>duration</c> every response's time (send → full response) is recorded. Bounded: it
/// stops issuing at the end of the window and waits at most the request timeout for what is in flight.
/// </summary>
/// <remarks>
/// Why not wrk: the ingest scenario must know exactly which events got a 200 (to prove each was processed
/// exactly once), and bodies must be signed per event; a .NET client does both without a Lua HMAC. The cost
/// is that the client takes a share of the 2 cores; the bare-Kestrel comparison uses the same client, so the
/// ratio is like for like, and the client's own CPU time is reported.
/// </remarks>
public static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(
        Uri url, int concurrency, TimeSpan warmup, TimeSpan duration,
        Func<int, PlannedRequest?> plan, Action<long, int> onResult, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var json = new MediaTypeHeaderValue("application/json");

        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWorker = new List<double>[concurrency];
        var okCount = new long[concurrency];
        var doneCount = new long[concurrency];
        var codes = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        long transportErrors = 0;

        async Task Worker(int w)
        {
            var lat = perWorker[w] = new List<double>(1 << 16);
            while (!ct.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= stopAt)
                {
                    return;
                }

                if (plan(w) is not { } req)
                {
                    return;
                }

                using var content = new ByteArrayContent(req.Body);
                content.Headers.ContentType = json;
                using var msg = new HttpRequestMessage(HttpMethod.Post, url) { Content = content, Version = HttpVersion.Version11 };
                msg.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, req.Signature);
                int status;
                try
                {
                    using var resp = await client.SendAsync(msg, HttpCompletionOption.ResponseContentRead, ct);
                    status = (int)resp.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref transportErrors);
                    status = 0;
                }

                var t1 = Stopwatch.GetTimestamp();
                onResult(req.EventId, status);
                if (t0 >= measureFrom && t1 <= stopAt)
                {
                    lat.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
                    doneCount[w]++;
                    if (status == 200)
                    {
                        okCount[w]++;
                    }

                    codes.AddOrUpdate(status, 1, (_, n) => n + 1);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Worker(w), CancellationToken.None)));
        var all = new List<double>(perWorker.Sum(l => l?.Count ?? 0));
        foreach (var l in perWorker)
        {
            if (l is not null)
            {
                all.AddRange(l);
            }
        }

        all.Sort();
        return new LoadResult
        {
            Seconds = duration.TotalSeconds,
            Completed = doneCount.Sum(),
            Ok = okCount.Sum(),
            StatusCodes = codes,
            TransportErrors = Interlocked.Read(ref transportErrors),
            LatenciesMs = all,
        };
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hubix.WhatsApp.Tests.Client;

/// <summary>What the fake Graph server received.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    string? Authorization,
    string? ContentType,
    string Body,
    IReadOnlyDictionary<string, string> FormFields,
    IReadOnlyList<RecordedFile> Files);

internal sealed record RecordedFile(string Name, string FileName, string ContentType, byte[] Content);

/// <summary>A real Kestrel app on http://127.0.0.1:0 standing in for graph.facebook.com.</summary>
internal sealed class FakeGraph : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<HttpContext, RecordedRequest, Task> _handler;

    private FakeGraph(WebApplication app, Func<HttpContext, RecordedRequest, Task> handler)
    {
        _app = app;
        _handler = handler;
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FakeGraph> StartAsync(Func<HttpContext, RecordedRequest, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGraph(app, handler);
        app.Run(fake.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        fake.BaseUri = new Uri(app.Urls.Single());
        return fake;
    }

    /// <summary>Answers every request with the same status and body.</summary>
    public static Task<FakeGraph> StartAsync(int status, string json) =>
        StartAsync((ctx, _) => RespondAsync(ctx, status, json));

    public static async Task RespondAsync(HttpContext ctx, int status, string body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(body);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<RecordedFile>();
        var body = "";
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            foreach (var f in form)
            {
                fields[f.Key] = f.Value.ToString();
            }
            foreach (var file in form.Files)
            {
                using var ms = new MemoryStream();
                await file.CopyToAsync(ms, ctx.RequestAborted);
                files.Add(new RecordedFile(file.Name, file.FileName, file.ContentType, ms.ToArray()));
            }
        }
        else
        {
            using var reader = new StreamReader(ctx.Request.Body);
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        var recorded = new RecordedRequest(
            ctx.Request.Method,
            ctx.Request.Path.Value ?? "",
            ctx.Request.QueryString.Value ?? "",
            ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
            ctx.Request.ContentType,
            body,
            fields,
            files);
        Requests.Enqueue(recorded);
        await _handler(ctx, recorded);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

using System.Text.Json;
using Hubix.Agent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Hubix.Tests.Agent;

/// <summary>The optional LLM path against a fake OpenAI-compatible server on 127.0.0.1.</summary>
public sealed class AgentLlmTests(AgentModelFixture fixture)
{
    private const string GroundedReply = "Nifty 50 closed at 26,276.35 on Thursday, 26 November (pack 2026-11-27).";

    [Fact]
    public async Task AnswerAsync_LlmConfigured_ModelWritesAnswerFromPassages()
    {
        await using var server = await FakeChatServer.StartAsync(_ => Task.FromResult<IResult>(Completion(GroundedReply)));
        using var sp = Build(server.BaseAddress, TimeSpan.FromSeconds(10));

        var answer = await sp.Engine().AskAsync("where did nifty close yesterday?");

        Assert.True(answer.Llm);
        Assert.Equal(AgentPaths.Llm, answer.Path);
        Assert.StartsWith(GroundedReply, answer.Reply, StringComparison.Ordinal);
        Assert.Contains("not investment advice", answer.Reply, StringComparison.Ordinal);
        Assert.Contains("pack 2026-11-27", answer.Sources);
        var request = Assert.Single(server.Requests);
        Assert.Contains("26,276.35", request, StringComparison.Ordinal);
        Assert.Contains("where did nifty close yesterday?", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerAsync_LlmSlowerThanTimeout_SendsRetrievalAnswer()
    {
        await using var server = await FakeChatServer.StartAsync(async ctx =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
            return Completion(GroundedReply);
        });
        using var sp = Build(server.BaseAddress, TimeSpan.FromMilliseconds(300));

        var answer = await sp.Engine().AskAsync("where did nifty close yesterday?");

        Assert.False(answer.Llm);
        Assert.Equal(AgentIntents.MarketQuestion, answer.Intent);
        Assert.NotEqual(AgentPaths.Llm, answer.Path);
        Assert.Contains("26,276.35", answer.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerAsync_LlmServerError_SendsRetrievalAnswer()
    {
        await using var server = await FakeChatServer.StartAsync(_ => Task.FromResult(Results.StatusCode(500)));
        using var sp = Build(server.BaseAddress, TimeSpan.FromSeconds(10));

        var answer = await sp.Engine().AskAsync("where did nifty close yesterday?");

        Assert.False(answer.Llm);
        Assert.Contains("26,276.35", answer.Reply, StringComparison.Ordinal);
        Assert.Single(server.Requests); // no retries: the fallback goes out at once
    }

    [Fact]
    public async Task AnswerAsync_LlmInventsFigure_SendsRetrievalAnswer()
    {
        await using var server = await FakeChatServer.StartAsync(_ =>
            Task.FromResult<IResult>(Completion("Nifty closed at 26,276.35 and should reach 27,500 next week.")));
        using var sp = Build(server.BaseAddress, TimeSpan.FromSeconds(10));

        var answer = await sp.Engine().AskAsync("where did nifty close yesterday?");

        Assert.False(answer.Llm);
        Assert.DoesNotContain("27,500", answer.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerAsync_LlmConfigured_CommandsNeverCallTheModel()
    {
        await using var server = await FakeChatServer.StartAsync(_ => Task.FromResult<IResult>(Completion(GroundedReply)));
        using var sp = Build(server.BaseAddress, TimeSpan.FromSeconds(10));

        var answer = await sp.Engine().AskAsync("STOP");

        Assert.Equal(AgentIntents.OptOut, answer.Intent);
        Assert.Empty(server.Requests);
    }

    private Microsoft.Extensions.DependencyInjection.ServiceProvider Build(Uri endpoint, TimeSpan timeout) =>
        AgentTestHost.Build(fixture.Model, new()
        {
            ["Hubix:Agent:Llm:Endpoint"] = new Uri(endpoint, "v1").ToString(),
            ["Hubix:Agent:Llm:Model"] = "fake-model",
            ["Hubix:Agent:Llm:Timeout"] = timeout.ToString("c"),
            ["Hubix:Agent:Today"] = "2026-11-27",
        }, TimeProvider.System);

    private static IResult Completion(string content) => Results.Json(new
    {
        id = "chatcmpl-test",
        @object = "chat.completion",
        created = 1_795_000_000,
        model = "fake-model",
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
    });

    private sealed class FakeChatServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeChatServer(WebApplication app) => _app = app;

        public List<string> Requests { get; } = [];

        public Uri BaseAddress => new(_app.Urls.First() + "/");

        public static async Task<FakeChatServer> StartAsync(Func<HttpContext, Task<IResult>> respond)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new FakeChatServer(app);
            app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
            {
                using var reader = new StreamReader(ctx.Request.Body);
                var body = await reader.ReadToEndAsync(ctx.RequestAborted);
                lock (server.Requests)
                {
                    server.Requests.Add(JsonDocument.Parse(body).RootElement.GetRawText());
                }

                return await respond(ctx);
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}

using System.CommandLine;
using System.Text.Json;
using Hubix.Agent;
using Microsoft.Extensions.Configuration;

namespace Hubix.Tests.Agent;

public sealed class AgentCliTests
{
    [Fact]
    public async Task AgentAsk_Json_PrintsIntentReplySourcesLatency()
    {
        var root = new RootCommand { AgentCli.Create(b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hubix:Agent:FaqPath"] = Path.Combine(AgentTestHost.RepoRoot, "samples", "faq.md"),
            ["Hubix:Agent:ContentPath"] = Path.Combine(AgentTestHost.RepoRoot, "samples", "content"),
        })) };
        var output = new StringWriter();

        var exit = await root.Parse(["agent", "ask", "where did the sensex close?", "--json", "--lexical", "--today", "2026-11-26"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() }, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(AgentIntents.MarketQuestion, json.RootElement.GetProperty("intent").GetString());
        Assert.Contains("85,402.10", json.RootElement.GetProperty("reply").GetString(), StringComparison.Ordinal);
        Assert.Equal("pack 2026-11-26", json.RootElement.GetProperty("sources")[0].GetString());
        Assert.True(json.RootElement.TryGetProperty("latencyMs", out _));
        Assert.False(json.RootElement.GetProperty("llm").GetBoolean());
        Assert.Equal(AgentLanguages.English, json.RootElement.GetProperty("lang").GetString());
    }

    [Fact]
    public async Task AgentAsk_JsonHindi_ReturnsLangAndAHindiReply()
    {
        var root = new RootCommand { AgentCli.Create(b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hubix:Agent:FaqPath"] = Path.Combine(AgentTestHost.RepoRoot, "samples", "faq.md"),
            ["Hubix:Agent:ContentPath"] = Path.Combine(AgentTestHost.RepoRoot, "samples", "content"),
        })) };
        var output = new StringWriter();

        var exit = await root.Parse(["agent", "ask", "मैसेज बंद कर दीजिए", "--json", "--lexical"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() }, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(AgentIntents.OptOut, json.RootElement.GetProperty("intent").GetString());
        Assert.Equal(AgentLanguages.Hindi, json.RootElement.GetProperty("lang").GetString());
        Assert.Equal(AgentLanguages.Hindi, json.RootElement.GetProperty("replyLang").GetString());
        Assert.Equal(AgentTexts.Hindi.OptOut, json.RootElement.GetProperty("reply").GetString());
    }
}

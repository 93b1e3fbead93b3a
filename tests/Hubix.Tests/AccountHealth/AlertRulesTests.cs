using System.Text.RegularExpressions;
using Hubix.AccountHealth;
using Hubix.Tests.Architecture;
using Hubix.Tests.Infrastructure;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.AccountHealth;

/// <summary>The watcher's alerts reach the webhook, and every metric deploy/prometheus/hubix-alerts.yml uses is exported.</summary>
public partial class AlertRulesTests
{
    [GeneratedRegex(@"\bhubix_[a-z_]+\b")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Dead_letters_raise_an_alert_and_every_metric_of_the_prometheus_rules_is_exported()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var alerts = await AlertReceiver.StartAsync();
        await using var host = await HubixTestHost.StartAsync(database,
            ["--Hubix:Schedule:Enabled=false", $"--Hubix:Alerts:WebhookUrl={alerts.Url}", "--Hubix:Alerts:CheckInterval=00:00:00.200"]);

        Assert.Equal(System.Net.HttpStatusCode.OK, (await host.PostWebhookAsync(Fixtures.Read("account-health/template-category-unknown-shape.json"))).StatusCode);
        await HubixTestHost.EventuallyAsync(() => Task.FromResult(alerts.Kinds.Contains("dead_letters")), "the dead-letter alert");
        var alert = alerts.Bodies.First(b => b["kind"]!.GetValue<string>() == "dead_letters");
        Assert.StartsWith("[Hubix] WARNING: 1 dead letters", alert["text"]!.GetValue<string>(), StringComparison.Ordinal); // Slack reads `text`
        Assert.Equal("1", alert["details"]!["count"]!.GetValue<string>());

        var rules = await File.ReadAllTextAsync(Path.Combine(FeatureTree.RepositoryRoot(), "deploy", "prometheus", "hubix-alerts.yml"), Ct);
        var names = MetricName().Matches(string.Join('\n', rules.Split('\n').Where(l => l.TrimStart().StartsWith("expr:", StringComparison.Ordinal))))
            .Select(m => m.Value).Distinct().ToList();
        Assert.Contains("hubix_alerts_total", names);
        var metrics = "";
        await HubixTestHost.EventuallyAsync(async () =>
        {
            metrics = await host.Admin.GetStringAsync("/metrics", Ct);
            return names.All(n => metrics.Contains(n + "{", StringComparison.Ordinal) || metrics.Contains(n + " ", StringComparison.Ordinal));
        }, "every rule's metric on /metrics: " + string.Join(", ", names));
    }
}

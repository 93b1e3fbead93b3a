namespace Hubix.Sandbox.Tests;

public sealed class LimitsTests
{
    [Fact]
    public async Task Throughput_over_the_limit_is_130429_until_time_passes()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:MessagesPerSecond"] = "5" });
        for (var i = 0; i < 5; i++) await h.SendOkAsync(SandboxHarness.Text("1650555100" + i));

        var error = await h.ErrorAsync(SandboxHarness.Text("16505551099"), 130429);
        Shape.Same(Shape.Fixture("error-130429-rate-limit.json").GetProperty("error"), error);
        Assert.Equal("(#130429) Rate limit hit", error.GetProperty("message").GetString());

        h.Time.Advance(TimeSpan.FromMilliseconds(200));
        await h.SendOkAsync(SandboxHarness.Text("16505551099"));
        await h.ErrorAsync(SandboxHarness.Text("16505551098"), 130429);
    }

    [Fact]
    public async Task Pair_rate_allows_a_burst_of_45_then_one_per_6_seconds_with_131056()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:MessagesPerSecond"] = "1000" });
        const string phone = "16505551234";
        for (var i = 0; i < 45; i++) await h.SendOkAsync(SandboxHarness.DailyTemplate(phone));

        var error = await h.ErrorAsync(SandboxHarness.DailyTemplate(phone), 131056);
        Assert.Contains("pair rate limit", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await h.SendOkAsync(SandboxHarness.DailyTemplate("16505559999"));

        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.ErrorAsync(SandboxHarness.DailyTemplate(phone), 131056);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.SendOkAsync(SandboxHarness.DailyTemplate(phone));
        await h.ErrorAsync(SandboxHarness.DailyTemplate(phone), 131056);
    }

    [Fact]
    public async Task Pair_rate_interval_and_burst_are_configurable()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:PairRate:Burst"] = "2", ["Hubix:Sandbox:PairRate:Interval"] = "00:00:10" });
        await h.SendOkAsync(SandboxHarness.DailyTemplate("1650555"));
        await h.SendOkAsync(SandboxHarness.DailyTemplate("1650555"));
        await h.ErrorAsync(SandboxHarness.DailyTemplate("1650555"), 131056);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await h.SendOkAsync(SandboxHarness.DailyTemplate("1650555"));
    }

    [Fact]
    public async Task Rejected_sends_are_counted_by_code_in_stats()
    {
        await using var h = await SandboxHarness.StartAsync(new() { ["Hubix:Sandbox:MessagesPerSecond"] = "1" });
        await h.SendOkAsync(SandboxHarness.Text("16505550001"));
        await h.ErrorAsync(SandboxHarness.Text("16505550002"), 130429);
        await h.ErrorAsync(SandboxHarness.DailyTemplate("16505550002", name: "nope"), 132001);
        var stats = await h.GetJsonAsync("/_sandbox/stats");
        Assert.Equal(1, stats.GetProperty("accepted").GetInt64());
        Assert.Equal(1, stats.GetProperty("rejected").GetProperty("130429").GetInt64());
        Assert.Equal(1, stats.GetProperty("rejected").GetProperty("132001").GetInt64());
    }

    [Fact]
    public void RateBucket_passes_the_burst_then_the_steady_rate_and_refills()
    {
        var bucket = new RateBucket(TimeSpan.FromSeconds(1), 3);
        var t = TimeSpan.FromDays(1).Ticks;
        Assert.True(bucket.TryTake(t));
        Assert.True(bucket.TryTake(t));
        Assert.True(bucket.TryTake(t));
        Assert.False(bucket.TryTake(t));
        Assert.False(bucket.TryTake(t + TimeSpan.TicksPerSecond - 1));
        Assert.True(bucket.TryTake(t + TimeSpan.TicksPerSecond));
        Assert.False(bucket.TryTake(t + TimeSpan.TicksPerSecond));
        t += TimeSpan.TicksPerSecond * 100;
        for (var i = 0; i < 3; i++) Assert.True(bucket.TryTake(t));
        Assert.False(bucket.TryTake(t));
    }

    [Fact]
    public void RateBucket_is_exact_under_contention()
    {
        var bucket = new RateBucket(TimeSpan.FromSeconds(1), 1000);
        var passed = 0;
        Parallel.For(0, 5000, _ =>
        {
            if (bucket.TryTake(TimeSpan.TicksPerDay)) Interlocked.Increment(ref passed);
        });
        Assert.Equal(1000, passed);
    }
}

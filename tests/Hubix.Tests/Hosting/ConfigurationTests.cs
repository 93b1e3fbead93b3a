using System.Diagnostics;
using Hubix.Hosting;

namespace Hubix.Tests.Hosting;

public class ConfigurationTests
{
    [Fact]
    public void Every_missing_required_setting_is_named_with_how_to_set_it()
    {
        var problems = ConfigurationCheck.Problems(new ConfigurationBuilder().Build());

        foreach (var key in new[] { "Hubix:WhatsApp:AppSecret", "Hubix:WhatsApp:VerifyToken", "Hubix:WhatsApp:AccessToken", "Hubix:WhatsApp:PhoneNumberId", "Hubix:AdminApiKey" })
        {
            var problem = Assert.Single(problems, p => p.StartsWith(key + " ", StringComparison.Ordinal));
            Assert.Contains(key.Replace(":", "__", StringComparison.Ordinal), problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Hubix:Database:Provider", "Oracle")]
    [InlineData("Hubix:WhatsApp:GraphBaseUrl", "not a url")]
    [InlineData("Hubix:WhatsApp:MessagesPerSecond", "-5")]
    public void Invalid_values_are_named(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        Assert.Contains(ConfigurationCheck.Problems(config), p => p.StartsWith(key, StringComparison.Ordinal) && p.Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_named()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hubix:Database:Provider"] = "Postgres" }).Build();
        Assert.Contains(ConfigurationCheck.Problems(config), p => p.StartsWith("ConnectionStrings:Hubix", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_without_settings_exits_non_zero_and_names_them()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "hubix.dll"), "serve", "--urls=http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Hubix__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Hubix:WhatsApp:AppSecret is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Hubix:AdminApiKey is required", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_feature_option_out_of_range_exits_2_and_names_it()
    {
        var dir = Directory.CreateTempSubdirectory("hubix-config-").FullName;
        var start = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "hubix.dll"), "serve", "--urls=http://127.0.0.1:0",
            "--Hubix:WhatsApp:AppSecret=s", "--Hubix:WhatsApp:VerifyToken=v", "--Hubix:WhatsApp:AccessToken=a",
            "--Hubix:WhatsApp:PhoneNumberId=1", "--Hubix:AdminApiKey=" + new string('k', 40), "--Hubix:Inbox:BatchSize=0",
            "--ConnectionStrings:Hubix=Data Source=" + Path.Combine(dir, "hubix.db"),
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = dir,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await stdout;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Hubix:Inbox:BatchSize must be between 1 and 5000.", stderr, StringComparison.Ordinal);
    }
}

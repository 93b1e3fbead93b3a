using Hubix.Hosting;

namespace Hubix.Tests.Hosting;

/// <summary>Graph calls do not log four Information lines each by default; the dispatcher's one line per send outcome stays.</summary>
public class LoggingDefaultsTests
{
    [Fact]
    public async Task HttpClient_logging_is_at_warning_by_default_and_send_outcomes_are_information()
    {
        await using var app = HubixServer.Create(["--Hubix:WhatsApp:AccessToken=t", "--Hubix:WhatsApp:PhoneNumberId=1"]);
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        var graph = loggers.CreateLogger("System.Net.Http.HttpClient.WhatsAppCloudClient.LogicalHandler");
        Assert.False(graph.IsEnabled(LogLevel.Information));
        Assert.True(graph.IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Hubix.Delivery.OutboxDispatcher").IsEnabled(LogLevel.Information));

        // An operator can still turn them on for a diagnosis.
        await using var verbose = HubixServer.Create(["--Logging:LogLevel:System.Net.Http.HttpClient=Information"]);
        Assert.True(verbose.Services.GetRequiredService<ILoggerFactory>().CreateLogger("System.Net.Http.HttpClient.WhatsAppCloudClient.LogicalHandler")
            .IsEnabled(LogLevel.Information));
    }
}

using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Client;

namespace Hubix.Tests.Delivery;

/// <summary>The dispatcher acts on the reference table's codes (REFERENCE §10) that need more than "permanent".</summary>
public class ErrorClassDispatchTests
{
    private static StubError Paused => new(132015, "(#132015) Template is paused", "Template is paused due to low quality so it cannot be sent in a template message.");
    private static StubError Disabled => new(132016, "(#132016) Template is disabled", "Template has been paused too many times due to low quality and is now permanently disabled.");
    private static StubError Experiment => new(130472, "(#130472) User's number is part of an experiment", "Failed to send message because this user's phone number is part of an experiment.");
    private static StubError Spam => new(131048, "(#131048) Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number.");

    [Theory]
    [InlineData(132015)]
    [InlineData(132016)]
    public async Task Template_paused_or_disabled_fails_at_once_as_template_unavailable(int code)
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        kit.Stub.Script = c => c.To == "+16505550150" ? (code == 132015 ? Paused : Disabled) : null;

        var ids = await kit.EnqueueAsync(DeliveryKit.Text("+16505550150", "t"), DeliveryKit.Text("+16505550151", "ok"));

        await kit.WaitForStateAsync(ids[0], OutboxState.Failed);
        await kit.WaitForStateAsync(ids[1], OutboxState.Accepted);
        var row = await kit.RowAsync(ids[0]);
        Assert.Equal(code, row.ErrorCode);
        Assert.StartsWith("template_unavailable:", row.ErrorReason, StringComparison.Ordinal);
        Assert.Equal(1, kit.Stub.CountFor(ids[0])); // never retried
        Assert.Contains(kit.Events.Failures, f => f.OutboxId == ids[0] && f.ErrorClass == ErrorClass.TemplateUnavailable);
    }

    [Fact]
    public async Task Experiment_fails_that_message_only_and_is_not_retried()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        kit.Stub.Script = c => c.To == "+16505550472" ? Experiment : null;

        var ids = await kit.EnqueueAsync(DeliveryKit.Text("+16505550472", "x"), DeliveryKit.Text("+16505550473", "y"));

        await kit.WaitForStateAsync(ids[0], OutboxState.Failed);
        await kit.WaitForStateAsync(ids[1], OutboxState.Accepted);
        var row = await kit.RowAsync(ids[0]);
        Assert.StartsWith("experiment:", row.ErrorReason, StringComparison.Ordinal);
        Assert.Equal(1, kit.Stub.CountFor(ids[0]));
        Assert.Contains(kit.Events.Failures, f => f.OutboxId == ids[0] && f.ErrorClass == ErrorClass.Experiment);
        Assert.Null(kit.Host.Services.GetRequiredService<DeliveryHealth>().Restricted);
    }

    [Fact]
    public async Task Spam_limit_waits_the_long_back_off_and_is_noted_for_alerts()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        var restricted = true;
        kit.Stub.Script = c => c.To == "+16505550148" && Volatile.Read(ref restricted) ? Spam : null;

        var ids = await kit.EnqueueAsync(DeliveryKit.Text("+16505550148", "s"));
        var sentAt = kit.Now;

        await HubixTestHost.EventuallyAsync(async () => (await kit.RowAsync(ids[0])).Attempts == 1 && kit.Stub.CountFor(ids[0]) == 1, "the first try");
        var row = await kit.RowAsync(ids[0]);
        Assert.Equal(OutboxState.Queued, row.State);
        Assert.Equal(sentAt + TimeSpan.FromHours(1), row.NextAttemptAt);
        Assert.StartsWith("number_restricted:", row.ErrorReason, StringComparison.Ordinal);
        var note = kit.Host.Services.GetRequiredService<DeliveryHealth>().Restricted;
        Assert.NotNull(note);
        Assert.Equal(131048, note.Code);
        Assert.False(kit.Host.Services.GetRequiredService<DeliveryHealth>().IsPaused); // others still go out

        // Not before the hour: 59 minutes later there is still only the one call.
        kit.Time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, kit.Stub.CountFor(ids[0]));

        Volatile.Write(ref restricted, false);
        await kit.AdvanceUntilAsync(TimeSpan.FromMinutes(1), async () => (await kit.RowAsync(ids[0])).State == OutboxState.Accepted, "the retry after the hour");
        Assert.Equal(2, kit.Stub.CountFor(ids[0]));
    }
}

namespace Hubix.Bench;

/// <summary>Scenario 4: fanout + clickstorm under sandbox faults, with hubix SIGKILLed periodically.</summary>
public sealed class ChaosScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var binary = await HubixBinary.FindAsync(options, ct);
        binary.Require("sandbox", "advisors", "content", "send-daily");
        throw new NotAvailableException("the chaos driver is not written yet");
    }
}

/// <summary>Scenario 5: the agent evaluation set through the webhook, end to end.</summary>
public sealed class AgentScenario(Options options)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var binary = await HubixBinary.FindAsync(options, ct);
        binary.Require("sandbox", "agent");
        throw new NotAvailableException("the agent driver is not written yet");
    }
}

using System.Diagnostics.Metrics;

namespace Hubix.Agent;

/// <summary>The assistant's instruments on the <c>Hubix</c> meter (exported at <c>/metrics</c> with the rest).</summary>
public sealed class AgentMeter(IMeterFactory meters)
{
    /// <summary>The meter every Hubix feature records into; <see cref="IMeterFactory"/> hands each the same instance.</summary>
    public const string MeterName = "Hubix";

    /// <summary><c>hubix_agent_latency_seconds</c>: from an advisor's message to the agent's answer being queued, by intent.</summary>
    public Histogram<double> AgentLatency { get; } = meters.Create(MeterName)
        .CreateHistogram<double>("hubix.agent.latency", unit: "s", description: "Time from an advisor's message to the agent's answer being queued.");
}

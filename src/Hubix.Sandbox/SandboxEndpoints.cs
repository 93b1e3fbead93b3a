using Hubix.Sandbox.Control;
using Hubix.Sandbox.Graph;
using Microsoft.AspNetCore.Routing;

namespace Hubix.Sandbox;

/// <summary>Maps the sandbox: Graph routes at the root (<c>/{version}/…</c>) and the control API under <c>/_sandbox/</c>.</summary>
public static class SandboxEndpoints
{
    public static IEndpointRouteBuilder MapHubixSandbox(this IEndpointRouteBuilder e)
    {
        ArgumentNullException.ThrowIfNull(e);
        GraphEndpoints.Map(e);
        ControlEndpoints.Map(e);
        Account.AccountGraph.Map(e);
        return e;
    }
}

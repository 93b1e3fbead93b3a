namespace Hubix.Dashboard;

/// <summary>Result of <see cref="IUnlockResender.ResendAsync"/>.</summary>
public enum ResendOutcome
{
    /// <summary>No unlock with that id.</summary>
    NotFound,

    /// <summary>The pack is neither failed nor partial, so there is nothing to resend.</summary>
    NotResendable,

    /// <summary>The missing messages were enqueued again.</summary>
    Resent,
}

/// <summary>Re-enqueues the undelivered messages of a failed or partial pack. Implemented by the Unlock feature.</summary>
public interface IUnlockResender
{
    Task<(ResendOutcome Outcome, string Detail)> ResendAsync(long unlockId, CancellationToken ct);
}

namespace Hubix.Delivery;

/// <summary>
/// Wakes the dispatcher at once after something was enqueued and committed: call <see cref="Notify"/> after the
/// commit (in an inbox handler: <c>batch.AfterCommit(signal.Notify)</c>). Without it the dispatcher still finds the
/// row within <see cref="DeliveryOptions.IdlePoll"/>. Inbox batches that added outbox rows notify on their own.
/// </summary>
public sealed class OutboxSignal : Kernel.WakeSignal;

using Hubix.Webhooks;

namespace Hubix.Delivery;

/// <summary>
/// <c>Hubix:Delivery</c>: how the outbox dispatcher works. Throughput and pair-rate budgets live in
/// <c>Hubix:WhatsApp</c> (<c>MessagesPerSecond</c>, <c>PairBurst</c>, <c>PairInterval</c>) because they are Meta's
/// limits of the business number, not of this engine.
/// </summary>
public sealed class DeliveryOptions : IHubixOptions
{
    public static string Section => "Hubix:Delivery";

    /// <summary>Run the dispatcher in this process (default true). Off: rows are queued but this process sends none
    /// (e.g. an API-only replica, or a test that inspects what was queued).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Calls to Meta per message before it fails with reason <c>max_attempts</c>. Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Sends in flight at once. At Graph's ~100 ms latency, 128 reach 1,000 messages/s. Default 128.</summary>
    public int Concurrency { get; set; } = 128;

    /// <summary>How long a claimed row stays ours (state <c>Sending</c>) before another dispatcher may reconcile it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// After a <c>Sending</c> row's lease ran out (we crashed mid-send, or the call's outcome was unknown), how long to
    /// wait for a status webhook carrying its id before sending it again.
    /// </summary>
    public TimeSpan ReconcileGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest sleep of the idle dispatcher; an <see cref="OutboxSignal"/> wakes it earlier.</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows claimed per query (also capped by free concurrency and throughput tokens).</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>On shutdown, how long in-flight sends may finish before they are cancelled (and their rows requeued).</summary>
    public TimeSpan ShutdownWait { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>While dispatch is paused by an auth error (190...), one probe send is let through this often.</summary>
    public TimeSpan AuthProbeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a 130429 halves the send rate, the rate doubles back after each quiet period this long.</summary>
    public TimeSpan ThroughputRecovery { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After 131048/131064 (the number is restricted for spam or template violations), a message waits this long before
    /// it is tried again: a tight retry only deepens the restriction. Default 1 hour.</summary>
    public TimeSpan RestrictedRetry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often lease-expired <c>Sending</c> rows are reconciled.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Problems()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            yield return "Hubix:Delivery:MaxAttempts must be between 1 and 100.";
        }

        if (Concurrency is < 1 or > 1024)
        {
            yield return "Hubix:Delivery:Concurrency must be between 1 and 1024.";
        }

        if (BatchSize is < 1 or > 5000)
        {
            yield return "Hubix:Delivery:BatchSize must be between 1 and 5000.";
        }

        if (RestrictedRetry <= TimeSpan.Zero)
        {
            yield return "Hubix:Delivery:RestrictedRetry must be positive (e.g. 01:00:00).";
        }

        if (Lease <= TimeSpan.Zero || IdlePoll <= TimeSpan.Zero || MaintenanceInterval <= TimeSpan.Zero || ReconcileGrace < TimeSpan.Zero)
        {
            yield return "Hubix:Delivery: Lease, IdlePoll and MaintenanceInterval must be positive, ReconcileGrace not negative.";
        }
    }
}

/// <summary>The outbound delivery engine: everything Hubix sends goes through the outbox and its dispatcher.</summary>
public static class DeliveryFeature
{

    /// <summary>
    /// The outbound delivery engine: <see cref="OutboxDispatcher"/>, status tracking (<see cref="DeliveryStatusHandler"/>),
    /// <see cref="OutboxSignal"/>, <see cref="DeliveryStats"/>, <see cref="DeliveryHealth"/> (readiness), and the
    /// <see cref="DeliveryEventPublisher"/> that feeds every registered <see cref="IDeliveryEvents"/>. Options: <c>Hubix:Delivery</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<DeliveryOptions>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<DeliveryStats>();
        builder.Services.AddSingleton<DeliveryHealth>();
        builder.Services.AddSingleton<DeliveryEventPublisher>();
        builder.Services.AddSingleton<IInboxHandler, DeliveryStatusHandler>();
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        builder.Services.AddHealthChecks().AddCheck<DeliveryHealthCheck>("delivery", tags: ["ready"]);
        return builder;
    }
}

namespace Hubix.Sandbox;

/// <summary>
/// A lock-free token bucket in its GCRA form: one <c>long</c> (the theoretical arrival time) updated by
/// compare-and-swap. <paramref name="burst"/> requests pass at once, then one per <paramref name="interval"/>;
/// an idle bucket refills to <paramref name="burst"/>. Time comes from the caller (the injected TimeProvider).
/// </summary>
internal sealed class RateBucket(TimeSpan interval, int burst)
{
    private readonly long _interval = Math.Max(1, interval.Ticks);
    private readonly long _limit = Math.Max(1, interval.Ticks) * Math.Max(1, burst);
    private long _tat = long.MinValue / 2;

    public static RateBucket PerSecond(double perSecond) =>
        new(TimeSpan.FromTicks(Math.Max(1, (long)(TimeSpan.TicksPerSecond / perSecond))), Math.Max(1, (int)Math.Ceiling(perSecond)));

    /// <summary>Takes one token at <paramref name="nowTicks"/>; false (and nothing taken) when the bucket is empty.</summary>
    public bool TryTake(long nowTicks)
    {
        while (true)
        {
            var tat = Volatile.Read(ref _tat);
            var next = Math.Max(tat, nowTicks) + _interval;
            if (next - nowTicks > _limit) return false;
            if (Interlocked.CompareExchange(ref _tat, next, tat) == tat) return true;
        }
    }
}

namespace Hubix.Sandbox;

/// <summary>
/// The current fault settings and the seeded Random behind every share (faults and <c>ReadShare</c>),
/// so that a test with a fixed seed sees the same sequence of decisions.
/// </summary>
internal sealed class FaultInjector
{
    private const int DefaultSeed = 20_240_601;
    private readonly Lock _gate = new();
    private readonly FaultOptions _initial;
    private FaultOptions _current;
    private Random _random;

    public FaultInjector(Microsoft.Extensions.Options.IOptions<SandboxOptions> options)
    {
        _initial = options.Value.Faults.Clone();
        _current = _initial.Clone();
        _random = new Random(_current.Seed ?? DefaultSeed);
    }

    public FaultOptions Current => Volatile.Read(ref _current);

    public void Set(FaultOptions faults)
    {
        lock (_gate)
        {
            Volatile.Write(ref _current, faults.Clone());
            _random = new Random(faults.Seed ?? DefaultSeed);
        }
    }

    public void Reset() => Set(_initial);

    /// <summary>True with probability <paramref name="share"/>; draws from the Random only for shares strictly between 0 and 1.</summary>
    public bool Roll(double share)
    {
        if (share <= 0) return false;
        if (share >= 1) return true;
        lock (_gate)
        {
            return _random.NextDouble() < share;
        }
    }
}

namespace Hubix.Delivery;

/// <summary>
/// The business number's throughput budget (Meta: 80 messages/s by default, up to 1,000), as a token bucket with
/// one second of burst. A 130429 halves the rate and empties the bucket; each quiet
/// <see cref="DeliveryOptions.ThroughputRecovery"/> doubles it back up to the configured rate. Time comes from the
/// caller (the injected <see cref="TimeProvider"/>). Used by the dispatcher loop only (one thread at a time).
/// </summary>
internal sealed class ThroughputBucket(double configuredRate, TimeSpan recovery)
{
    private const double MinRate = 1;

    // The sends in flight when the first 130429 comes back were all sent at the old rate; their 130429s say
    // nothing new. Halving once per window (not once per error) keeps a burst of them from driving the rate
    // to the floor (measured: 97 errors in a moment took 1,000/s down to 1/s before this).
    private static readonly TimeSpan HalvingWindow = TimeSpan.FromSeconds(1);

    // A quarter second of burst: enough to keep every slot busy, small enough not to overrun Meta's own bucket.
    private const double BurstSeconds = 0.25;

    private double _rate = configuredRate;
    private double _tokens = Math.Max(1, configuredRate * BurstSeconds);
    private DateTime _refilledAt = DateTime.MinValue;
    private DateTime _slowedAt = DateTime.MinValue;

    public double ConfiguredRate { get; } = configuredRate;

    /// <summary>The rate in force now (lower than configured after a 130429).</summary>
    public double Rate => _rate;

    private double Capacity => Math.Max(1, _rate * BurstSeconds);

    /// <summary>Whole tokens available now.</summary>
    public int Available(DateTime now)
    {
        Refill(now);
        return (int)Math.Floor(_tokens);
    }

    /// <summary>How long until one whole token is there.</summary>
    public TimeSpan UntilNext(DateTime now)
    {
        Refill(now);
        return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _rate);
    }

    public void Take(DateTime now)
    {
        Refill(now);
        _tokens -= 1;
    }

    /// <summary>Meta said 130429: halve the rate (at most once per <see cref="HalvingWindow"/>) and stop for a moment.</summary>
    public void OnThroughputExceeded(DateTime now)
    {
        Refill(now);
        if (_slowedAt == DateTime.MinValue || now - _slowedAt >= HalvingWindow || _rate >= ConfiguredRate)
        {
            _rate = Math.Max(MinRate, _rate / 2);
        }

        _tokens = Math.Min(_tokens, 0);
        _slowedAt = now;
    }

    private void Refill(DateTime now)
    {
        if (_rate < ConfiguredRate && now - _slowedAt >= recovery)
        {
            _rate = Math.Min(ConfiguredRate, _rate * 2);
            _slowedAt = now;
        }

        if (_refilledAt == DateTime.MinValue || now < _refilledAt)
        {
            _refilledAt = now;
            return;
        }

        _tokens = Math.Min(Capacity, _tokens + (now - _refilledAt).TotalSeconds * _rate);
        _refilledAt = now;
    }
}

/// <summary>
/// Per-recipient pacing: Meta's pair rate (about one message per 6 s to one user, with bursts) as a small token
/// bucket per recipient, and the 131056 back-off of 4^(n-1) s after the n-th consecutive 131056 for that recipient
/// alone. A recipient that is not ready never blocks others: its rows go back to the queue due at
/// <see cref="ReadyAt"/>. Used by the dispatcher loop only.
/// </summary>
/// <remarks>
/// In memory per process: with several replicas, two of them may pace the same recipient independently (one group is
/// still strictly ordered through the database); a resulting 131056 backs off like any other.
/// </remarks>
internal sealed class RecipientPacer(int burst, TimeSpan interval)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);
    private readonly Dictionary<string, State> _recipients = new(StringComparer.Ordinal);
    private readonly int _burst = Math.Max(1, burst);

    private sealed class State
    {
        public double Tokens;
        public DateTime RefilledAt;
        public DateTime BackoffUntil;
        public int PairRateHits;
    }

    public int Tracked => _recipients.Count;

    /// <summary>When the recipient may get its next message (now or earlier: ready).</summary>
    public DateTime ReadyAt(string recipient, DateTime now)
    {
        if (!_recipients.TryGetValue(recipient, out var s))
        {
            return now;
        }

        Refill(s, now);
        var tokenAt = s.Tokens >= 1 ? now : now + interval * (1 - s.Tokens);
        return tokenAt > s.BackoffUntil ? tokenAt : s.BackoffUntil;
    }

    public void Take(string recipient, DateTime now)
    {
        var s = Get(recipient, now);
        Refill(s, now);
        s.Tokens -= 1;
    }

    /// <summary>Meta accepted a message to the recipient: the 131056 streak ends.</summary>
    public void OnAccepted(string recipient)
    {
        if (_recipients.TryGetValue(recipient, out var s))
        {
            s.PairRateHits = 0;
        }
    }

    /// <summary>131056 for this recipient: back off 4^(n-1) s (n = consecutive hits) and empty its bucket.</summary>
    public DateTime OnPairRateHit(string recipient, DateTime now)
    {
        var s = Get(recipient, now);
        s.PairRateHits++;
        var seconds = Math.Pow(4, Math.Min(s.PairRateHits - 1, 10));
        var backoff = TimeSpan.FromSeconds(Math.Min(seconds, MaxBackoff.TotalSeconds));
        s.BackoffUntil = now + backoff;
        s.Tokens = Math.Min(s.Tokens, 0);
        s.RefilledAt = now;
        return s.BackoffUntil;
    }

    /// <summary>Forgets recipients that are back to a full bucket and no back-off (keeps memory bounded).</summary>
    public void Prune(DateTime now)
    {
        List<string>? idle = null;
        foreach (var (recipient, s) in _recipients)
        {
            Refill(s, now);
            if (s.Tokens >= _burst && s.BackoffUntil <= now && s.PairRateHits == 0)
            {
                (idle ??= []).Add(recipient);
            }
        }

        idle?.ForEach(r => _recipients.Remove(r));
    }

    private State Get(string recipient, DateTime now)
    {
        if (!_recipients.TryGetValue(recipient, out var s))
        {
            s = new State { Tokens = _burst, RefilledAt = now };
            _recipients[recipient] = s;
        }

        return s;
    }

    private void Refill(State s, DateTime now)
    {
        if (now <= s.RefilledAt)
        {
            return;
        }

        s.Tokens = Math.Min(_burst, s.Tokens + (now - s.RefilledAt) / interval);
        s.RefilledAt = now;
    }
}

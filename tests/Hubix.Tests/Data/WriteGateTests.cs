using Hubix.Data;

namespace Hubix.Tests.Data;

public sealed class WriteGateTests
{
    [Fact]
    public async Task Urgent_waiters_go_before_normal_ones_each_in_arrival_order()
    {
        var gate = new WriteGate();
        var order = new List<string>();
        var holder = await gate.EnterAsync(urgent: false, CancellationToken.None);

        async Task Take(string name, bool urgent)
        {
            using (await gate.EnterAsync(urgent, CancellationToken.None))
            {
                lock (order)
                {
                    order.Add(name);
                }
            }
        }

        var waiting = new[] { Take("n1", false), Take("u1", true), Take("n2", false), Take("u2", true) };
        Assert.All(waiting, t => Assert.False(t.IsCompleted));
        holder.Dispose();
        await Task.WhenAll(waiting);

        Assert.Equal(["u1", "u2", "n1", "n2"], order);
    }

    [Fact]
    public async Task Only_one_holder_at_a_time_under_contention()
    {
        var gate = new WriteGate();
        var inside = 0;
        var maxInside = 0;
        var tasks = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using (await gate.EnterAsync(i % 3 == 0, CancellationToken.None))
            {
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
        }));
        await Task.WhenAll(tasks);

        Assert.Equal(1, maxInside);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_the_gate_passes_on()
    {
        var gate = new WriteGate();
        var holder = await gate.EnterAsync(urgent: false, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(urgent: true, cts.Token).AsTask();
        var next = gate.EnterAsync(urgent: false, CancellationToken.None).AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();
        using var got = await next; // would hang if the cancelled waiter had been handed the gate
        Assert.True(next.IsCompletedSuccessfully);

        // Releasing twice does not free the gate for two.
        got.Dispose();
        got.Dispose();
        var a = await gate.EnterAsync(false, CancellationToken.None);
        var b = gate.EnterAsync(false, CancellationToken.None).AsTask();
        Assert.False(b.IsCompleted);
        a.Dispose();
        (await b).Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

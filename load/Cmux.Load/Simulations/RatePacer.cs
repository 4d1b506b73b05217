using System.Diagnostics;
using Cmux.Load.Engine;

namespace Cmux.Load.Simulations;

/// <summary>Spaces iteration starts at most <c>perSecond</c> apart across all virtual users: the rate cap of real mode.</summary>
public sealed class RatePacer(double perSecond)
{
    private readonly long _interval = Math.Max(1, (long)(Stopwatch.Frequency / perSecond));
    private long _next;

    /// <summary>Reserves the next free slot and waits for it; returns the slot's time.</summary>
    public async ValueTask<long> WaitTurnAsync(CancellationToken ct)
    {
        long slot;
        while (true)
        {
            var next = Volatile.Read(ref _next);
            slot = Math.Max(next, RunClock.Now);
            if (Interlocked.CompareExchange(ref _next, slot + _interval, next) == next)
            {
                break;
            }
        }
        var wait = Stopwatch.GetElapsedTime(RunClock.Now, slot);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return slot;
    }
}

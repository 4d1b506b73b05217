using System.Collections.Concurrent;
using System.Diagnostics;
using Cmux.Load.Engine;

namespace Cmux.Load.Simulations;

/// <summary>
/// The open model: iterations start on a schedule of R per second (following the ramp) whether or
/// not earlier ones have finished. Each keeps its scheduled time as its intended start, so latency
/// includes any time it waited (coordinated omission corrected). The scheduler wakes about every
/// millisecond and starts every iteration whose time has come; sessions are pooled and reused.
/// </summary>
public sealed class OpenLoadDriver(OpenModel model) : ILoadDriver
{
    private readonly ConcurrentBag<VirtualUser> _idle = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;

    public async Task RunAsync(RunContext run)
    {
        var next = run.Clock.Start;
        while (!run.Stopping.IsCancellationRequested)
        {
            var now = RunClock.Now;
            while (next <= now && !run.Stopping.IsCancellationRequested && run.TryStartIteration())
            {
                if (Volatile.Read(ref _inFlight) >= run.MaxInFlight)
                {
                    run.Recorder.RecordDropped(next, step: 0);
                }
                else
                {
                    Interlocked.Increment(ref _inFlight);
                    _ = RunOneAsync(run, next);
                }
                next += (long)(Stopwatch.Frequency / model.ValueAt(run.Clock.Progress(next)));
            }
            var wait = Stopwatch.GetElapsedTime(RunClock.Now, next);
            await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), run.Stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
        await _drained.Task;
        while (_idle.TryTake(out var user))
        {
            await user.DisposeAsync();
        }
    }

    private async Task RunOneAsync(RunContext run, long intendedStart)
    {
        var user = _idle.TryTake(out var idle) ? idle : run.CreateUser();
        try
        {
            await user.RunIterationAsync(intendedStart);
            _idle.Add(user);
        }
        catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
        {
            await user.DisposeAsync();
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && run.Stopping.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }
    }
}

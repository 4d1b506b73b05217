using Cmux.Load.Engine;

namespace Cmux.Load.Simulations;

/// <summary>What a load driver needs from the run: the scenario, the recorder, the stop signals and the bounds.</summary>
public sealed class RunContext(
    IScenario scenario, RunRecorder recorder, LoadPlan plan, CancellationToken stopping, CancellationToken abort, Action stop)
{
    private long _started;

    public RunRecorder Recorder { get; } = recorder;

    public RunClock Clock => Recorder.Clock;

    /// <summary>Fires when no new iteration may start (end of the duration or of the request budget).</summary>
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>Fires when iterations still in flight are abandoned.</summary>
    public CancellationToken Abort { get; } = abort;

    public int MaxInFlight { get; } = plan.MaxInFlight;

    public RatePacer? Pacer { get; } = plan.RateCap is { } cap ? new RatePacer(cap) : null;

    /// <summary>Takes one request from the budget; false (and the run stops) when it is spent.</summary>
    public bool TryStartIteration()
    {
        if (Interlocked.Increment(ref _started) <= plan.MaxRequests)
        {
            return true;
        }
        stop();
        return false;
    }

    public VirtualUser CreateUser() => new(Recorder, scenario, plan.RequestTimeout, Abort);
}

/// <summary>Applies a load model to a run until it stops, then waits for the iterations in flight.</summary>
public interface ILoadDriver
{
    Task RunAsync(RunContext run);
}

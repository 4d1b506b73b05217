namespace Cmux.Load.Engine;

/// <summary>
/// Everything a run records: per step, per iteration, and iterations per second of the measured
/// window (by completion time). Iterations that started during warm-up are not recorded.
/// </summary>
public sealed class RunRecorder
{
    private readonly long[] _okPerSecond;
    private readonly long[] _failedPerSecond;
    private long _inFlight;
    private long _completed;
    private long _stoppedAt;

    public RunRecorder(IReadOnlyList<string> steps, RunClock clock, TimeSpan drain)
    {
        Clock = clock;
        Iterations = new StepStatistics("iteration");
        Steps = steps.Select(step => new StepStatistics(step)).ToArray();
        var seconds = (int)Math.Ceiling((clock.Duration + drain).TotalSeconds) + 1;
        _okPerSecond = new long[seconds];
        _failedPerSecond = new long[seconds];
    }

    public RunClock Clock { get; }

    public StepStatistics Iterations { get; }

    public IReadOnlyList<StepStatistics> Steps { get; }

    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Iterations finished so far, warm-up included: the live progress counts these.</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>When the run stopped starting iterations (0 while it still does).</summary>
    public long StoppedAt => Volatile.Read(ref _stoppedAt);

    public void MarkStopped(long timestamp) => Interlocked.CompareExchange(ref _stoppedAt, timestamp, 0);

    public void IterationStarted() => Interlocked.Increment(ref _inFlight);

    public void RecordStep(int step, long start, long end, in StepOutcome outcome) =>
        Steps[step].Record(RunClock.Microseconds(start, end), outcome);

    public void IterationEnded(long start, long end, bool failed, bool measured)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _completed);
        if (measured)
        {
            RecordIteration(start, end, failed);
        }
    }

    /// <summary>An iteration that never ran (the open model had too many in flight): a failure at its intended time.</summary>
    public void RecordDropped(long intended, int step)
    {
        if (!Clock.IsMeasuring(intended))
        {
            return;
        }
        Steps[step].Record(1, StepOutcome.Of(ErrorKind.Overload));
        RecordIteration(intended, intended, failed: true);
    }

    public long OkInSecond(int second) => Volatile.Read(ref _okPerSecond[second]);

    public long FailedInSecond(int second) => Volatile.Read(ref _failedPerSecond[second]);

    /// <summary>The seconds of the time line from the start of measurement until a moment (draining included).</summary>
    public int SecondsRecorded(long until)
    {
        var elapsed = (int)Math.Ceiling(RunClock.Microseconds(Clock.MeasureStart, until) / 1e6);
        return Math.Clamp(elapsed, 0, _okPerSecond.Length);
    }

    private void RecordIteration(long start, long end, bool failed)
    {
        Iterations.Record(RunClock.Microseconds(start, end), failed);
        var second = (int)Math.Clamp(RunClock.Microseconds(Clock.MeasureStart, end) / 1_000_000, 0, _okPerSecond.Length - 1);
        Interlocked.Increment(ref failed ? ref _failedPerSecond[second] : ref _okPerSecond[second]);
    }
}

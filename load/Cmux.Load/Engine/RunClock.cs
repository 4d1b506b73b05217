using System.Diagnostics;

namespace Cmux.Load.Engine;

/// <summary>The phases of a run on the <see cref="Stopwatch"/> time line: warm-up, then measurement.</summary>
public sealed class RunClock
{
    public RunClock(TimeSpan warmup, TimeSpan duration)
    {
        Start = Stopwatch.GetTimestamp();
        MeasureStart = Start + ToTicks(warmup);
        End = MeasureStart + ToTicks(duration);
        Duration = duration;
    }

    public long Start { get; }

    public long MeasureStart { get; }

    public long End { get; }

    public TimeSpan Duration { get; }

    public static long Now => Stopwatch.GetTimestamp();

    public static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static long Microseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Whether an iteration starting at this moment belongs to the measured window.</summary>
    public bool IsMeasuring(long timestamp) => timestamp >= MeasureStart && timestamp < End;

    /// <summary>How far into the measured window a moment is, 0 (warm-up included) to 1.</summary>
    public double Progress(long timestamp) =>
        End == MeasureStart ? 1 : Math.Clamp((double)(timestamp - MeasureStart) / (End - MeasureStart), 0, 1);
}

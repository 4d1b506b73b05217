using Cmux.Load.Thresholds;

namespace Cmux.Load.Reporting;

/// <summary>The outcome of a run, as every report format writes it. Latencies are in milliseconds.</summary>
public sealed record LoadReport
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public required string Model { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double WarmupSeconds { get; init; }

    /// <summary>The measured window actually run: shorter than planned when the request budget ran out.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary><c>duration</c>, <c>max-requests</c> or <c>cancelled</c>.</summary>
    public required string StoppedBy { get; init; }

    /// <summary>Whole iterations (every step in order); for one-step scenarios the same as the step.</summary>
    public required StepReport Iterations { get; init; }

    public required IReadOnlyList<StepReport> Steps { get; init; }

    /// <summary>Iterations completed in each second of the measured window.</summary>
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    public required IReadOnlyList<ThresholdResult> Thresholds { get; init; }

    /// <summary>True when at least one iteration was measured and every threshold holds.</summary>
    public required bool Passed { get; init; }
}

public sealed record StepReport(
    string Name,
    long Requests,
    long Ok,
    long Failed,
    double FailRate,
    double Rps,
    LatencySummary Latency,
    IReadOnlyList<PercentilePoint> Percentiles,
    IReadOnlyDictionary<string, long> StatusCodes,
    IReadOnlyDictionary<string, long> Errors,
    long BytesSent,
    long BytesReceived);

public sealed record LatencySummary(
    double MinMs, double MeanMs, double P50Ms, double P75Ms, double P90Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs);

public sealed record PercentilePoint(double Percentile, double LatencyMs);

public sealed record TimelinePoint(int Second, long Ok, long Failed);

using System.Globalization;
using Cmux.Load.Engine;
using HdrHistogram;

namespace Cmux.Load.Reporting;

/// <summary>Turns what a run recorded into a <see cref="LoadReport"/> and judges it by the plan's thresholds.</summary>
public static class ReportBuilder
{
    public static LoadReport Build(LoadPlan plan, RunRecorder recorder, DateTimeOffset startedAt, string stoppedBy)
    {
        var clock = recorder.Clock;
        var stoppedAt = recorder.StoppedAt == 0 ? clock.End : Math.Min(recorder.StoppedAt, clock.End);
        var seconds = Math.Max(0, RunClock.Microseconds(clock.MeasureStart, stoppedAt) / 1e6);
        var timeline = Timeline(recorder, seconds);
        var steps = recorder.Steps.Select(step => Step(step, seconds)).ToList();
        var report = new LoadReport
        {
            Scenario = plan.Scenario.Name,
            Target = plan.Scenario.Target.ToString(),
            Model = plan.Model.ToString(),
            StartedAt = startedAt,
            WarmupSeconds = plan.Warmup.TotalSeconds,
            DurationSeconds = seconds,
            StoppedBy = stoppedBy,
            Iterations = Step(recorder.Iterations, seconds, steps),
            Steps = steps,
            Timeline = timeline,
            Thresholds = [],
            Passed = false,
        };
        var verdicts = plan.Thresholds.Select(threshold => threshold.Evaluate(report)).ToList();
        return report with { Thresholds = verdicts, Passed = report.Iterations.Requests > 0 && verdicts.All(v => v.Passed) };
    }

    /// <summary>One point per second of the measured window; iterations that finished while draining count in the last.</summary>
    private static List<TimelinePoint> Timeline(RunRecorder recorder, double seconds)
    {
        var count = (int)Math.Ceiling(seconds);
        var recorded = recorder.SecondsRecorded(RunClock.Now);
        var points = Enumerable.Range(0, Math.Min(count, recorded))
            .Select(second => new TimelinePoint(second, recorder.OkInSecond(second), recorder.FailedInSecond(second)))
            .ToList();
        if (points.Count > 0)
        {
            var late = Enumerable.Range(points.Count, recorded - points.Count).ToList();
            points[^1] = points[^1] with
            {
                Ok = points[^1].Ok + late.Sum(recorder.OkInSecond),
                Failed = points[^1].Failed + late.Sum(recorder.FailedInSecond),
            };
        }
        return points;
    }

    // Iterations have no status of their own: they carry the sums of their steps'.
    private static StepReport Step(StepStatistics stats, double seconds, IReadOnlyList<StepReport>? parts = null)
    {
        var histogram = stats.LatencySnapshot();
        var requests = stats.Ok + stats.Failed;
        return new StepReport(
            stats.Name,
            requests,
            stats.Ok,
            stats.Failed,
            requests == 0 ? 0 : (double)stats.Failed / requests,
            seconds == 0 ? 0 : requests / seconds,
            Summary(histogram),
            Curve(histogram),
            parts is null ? stats.StatusCodes().ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value) : Sum(parts, p => p.StatusCodes),
            parts is null ? stats.Errors().ToDictionary(p => Name(p.Key), p => p.Value) : Sum(parts, p => p.Errors),
            parts?.Sum(p => p.BytesSent) ?? stats.BytesSent,
            parts?.Sum(p => p.BytesReceived) ?? stats.BytesReceived);
    }

    private static LatencySummary Summary(HistogramBase h) => h.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(
            Ms(h.LowestEquivalentValue(h.RecordedValues().First().ValueIteratedTo)),
            h.GetMean() / 1000,
            Ms(h.GetValueAtPercentile(50)),
            Ms(h.GetValueAtPercentile(75)),
            Ms(h.GetValueAtPercentile(90)),
            Ms(h.GetValueAtPercentile(95)),
            Ms(h.GetValueAtPercentile(99)),
            Ms(h.GetValueAtPercentile(99.9)),
            Ms(h.GetMaxValue()));

    /// <summary>The percentile distribution, five points per halving of the tail, as HdrHistogram plots it.</summary>
    private static List<PercentilePoint> Curve(HistogramBase h) => h.TotalCount == 0
        ? []
        : h.Percentiles(5).Select(v => new PercentilePoint(v.Percentile, Ms(v.ValueIteratedTo))).Distinct().ToList();

    private static double Ms(long microseconds) => microseconds / 1000.0;

    private static string Name(ErrorKind kind) => kind switch
    {
        ErrorKind.ConnectionRefused => "connection_refused",
        ErrorKind.ConnectionReset => "connection_reset",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static Dictionary<string, long> Sum(IReadOnlyList<StepReport> parts, Func<StepReport, IReadOnlyDictionary<string, long>> select) =>
        parts.SelectMany(select).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
}

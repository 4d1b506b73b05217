using System.Globalization;
using System.Text.RegularExpressions;
using Cmux.Load.Reporting;

namespace Cmux.Load.Thresholds;

/// <summary>
/// A pass/fail rule on a run, in the style of NBomber and k6: <c>p99 &lt; 50ms</c>,
/// <c>fail_rate &lt; 1%</c>, <c>rps &gt; 1000</c>, or scoped to a step: <c>echo.p99 &lt; 5ms</c>.
/// Latency metrics: min, mean, p50, p75, p90, p95, p99, p999, max (units us, ms, s; ms when none).
/// Others: rps, fail_rate (a fraction, or with %), failures, requests.
/// </summary>
public sealed partial record Threshold(string Expression, string? Step, string Metric, string Operator, double Limit)
{
    private static readonly string[] LatencyMetrics = ["min", "mean", "p50", "p75", "p90", "p95", "p99", "p999", "max"];

    public static Threshold Parse(string expression)
    {
        var match = Grammar().Match(expression);
        if (!match.Success)
        {
            throw new FormatException(
                $"threshold '{expression}': expected [step.]metric op value[unit], e.g. 'p99<50ms', 'fail_rate<1%', 'rps>1000'");
        }
        var metric = match.Groups["metric"].Value.ToLowerInvariant();
        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        var isLatency = LatencyMetrics.Contains(metric);
        var limit = (isLatency, metric, unit) switch
        {
            (true, _, "" or "ms") => value,
            (true, _, "us" or "µs") => value / 1000,
            (true, _, "s") => value * 1000,
            (false, "fail_rate", "%") => value / 100,
            (false, "fail_rate", "") when value <= 1 => value,
            (false, "fail_rate", "") => throw new FormatException($"threshold '{expression}': a fail rate is a fraction (0.01) or a percentage (1%)"),
            (false, _, "") => value,
            _ => throw new FormatException($"threshold '{expression}': unit '{unit}' does not apply to {metric}"),
        };
        var step = match.Groups["step"].Success ? match.Groups["step"].Value : null;
        return new Threshold(expression.Trim(), step, metric, match.Groups["op"].Value, limit);
    }

    public static IReadOnlyList<Threshold> ParseAll(IEnumerable<string> expressions) => expressions.Select(Parse).ToList();

    public ThresholdResult Evaluate(LoadReport report)
    {
        var stats = Step is null ? report.Iterations : report.Steps.Single(s => s.Name == Step);
        var latency = stats.Latency;
        var actual = Metric switch
        {
            "min" => latency.MinMs,
            "mean" => latency.MeanMs,
            "p50" => latency.P50Ms,
            "p75" => latency.P75Ms,
            "p90" => latency.P90Ms,
            "p95" => latency.P95Ms,
            "p99" => latency.P99Ms,
            "p999" => latency.P999Ms,
            "max" => latency.MaxMs,
            "rps" => stats.Rps,
            "fail_rate" => stats.FailRate,
            "failures" => stats.Failed,
            "requests" => stats.Requests,
            _ => throw new InvalidOperationException($"unknown metric {Metric}"),
        };
        // A latency rule over no requests at all proves nothing: it fails.
        var passed = stats.Requests > 0 && Operator switch
        {
            "<" => actual < Limit,
            "<=" => actual <= Limit,
            ">" => actual > Limit,
            ">=" => actual >= Limit,
            _ => throw new InvalidOperationException($"unknown operator {Operator}"),
        };
        return new ThresholdResult(Expression, Metric, Step ?? "iteration", actual, Limit, passed);
    }

    [GeneratedRegex(@"^\s*(?:(?<step>[A-Za-z][\w-]*)\.)?(?<metric>min|mean|p50|p75|p90|p95|p99|p999|max|rps|fail_rate|failures|requests)\s*(?<op><=|>=|<|>)\s*(?<value>\d+(?:\.\d+)?)\s*(?<unit>us|µs|ms|s|%)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Grammar();
}

/// <summary>A threshold's verdict: the measured value (milliseconds for latency, a fraction for fail_rate) against the limit.</summary>
public sealed record ThresholdResult(string Expression, string Metric, string Scope, double Actual, double Limit, bool Passed);

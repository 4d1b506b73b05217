using System.Globalization;

namespace Cmux.Load.Reporting;

/// <summary>Number formats shared by the text reports, always in the invariant culture.</summary>
internal static class Format
{
    public static string Ms(double value) => value.ToString(value < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    public static string Rate(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Counts(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "-" : string.Join(" ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"));

    /// <summary>A threshold's measured value in the unit its metric reads in.</summary>
    public static string Actual(Thresholds.ThresholdResult result) => result.Metric switch
    {
        "fail_rate" => Percent(result.Actual),
        "rps" or "failures" or "requests" => Number(result.Actual),
        _ => Ms(result.Actual) + " ms",
    };

    public static IEnumerable<StepReport> Rows(LoadReport report) =>
        report.Steps.Count == 1 ? report.Steps : report.Steps.Prepend(report.Iterations);
}

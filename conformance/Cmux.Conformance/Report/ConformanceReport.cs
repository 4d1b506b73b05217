namespace Cmux.Conformance.Report;

/// <summary>
/// One run's report, in the spirit of Gateway API conformance reports: what was tested (the
/// implementation, its profile, the mode, the providers and their endpoints), each check's
/// outcome per provider, the known differences as observed, and timings.
/// </summary>
public sealed record ConformanceReport(
    string Implementation,
    string Profile,
    string Mode,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Providers,
    IReadOnlyList<CheckResult> Results,
    IReadOnlyList<ObservedDifference> Differences)
{
    public IReadOnlyList<ProviderSummary> Summaries =>
        Results.GroupBy(r => r.Provider, StringComparer.Ordinal)
            .Select(g => new ProviderSummary(
                g.Key,
                g.Count(r => r.Outcome == Outcome.Passed),
                g.Count(r => r.Outcome == Outcome.Failed),
                g.Count(r => r.Outcome == Outcome.Skipped),
                g.Select(r => r.Feature).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .OrderBy(s => s.Provider, StringComparer.Ordinal)
            .ToList();
}

/// <summary>Counts per provider. Skipped is its own count: never folded into passed.</summary>
public sealed record ProviderSummary(string Provider, int Passed, int Failed, int Skipped, IReadOnlyList<string> Features);

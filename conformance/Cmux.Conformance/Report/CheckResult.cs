namespace Cmux.Conformance.Report;

public enum Outcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One check run against one provider.</summary>
public sealed record CheckResult(
    string Provider,
    string Feature,
    string Check,
    string Description,
    Outcome Outcome,
    string? Reason,
    TimeSpan Duration);

/// <summary>
/// A known Morph/PVE difference, with what each provider did in this run. Differences are
/// reported, never hidden: a check may pass on both providers and still differ here.
/// </summary>
public sealed record ObservedDifference(string Name, string Description, IReadOnlyDictionary<string, string> ByProvider);

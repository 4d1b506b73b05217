namespace Cmux.Conformance.Report;

/// <summary>What became of one check on one provider. Every check × provider of a run has exactly one.</summary>
public enum Outcome
{
    Passed,
    Failed,

    /// <summary>This environment lacks something the check needs (a credential, a tool); the reason names it.</summary>
    Skipped,

    /// <summary>The provider declares it lacks a capability the check needs.</summary>
    NotSupported,

    /// <summary>Filtered out of this run, or never reached because the run stopped.</summary>
    NotRun,
}

/// <summary>One check on one provider. <see cref="Error"/> is the failure itself, for the test driver; the report keeps its message.</summary>
public sealed record CheckResult(
    string Provider,
    string Feature,
    string Check,
    string Description,
    Outcome Outcome,
    string? Reason,
    TimeSpan Duration)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public Exception? Error { get; init; }
}

/// <summary>
/// A known Morph/PVE difference with what each provider did in this run, or
/// <see cref="KnownDifferences.NotMeasured"/>. Differences are reported, never hidden: a check
/// may pass on both providers and still differ here.
/// </summary>
public sealed record ObservedDifference(string Name, string Description, IReadOnlyDictionary<string, string> ByProvider);

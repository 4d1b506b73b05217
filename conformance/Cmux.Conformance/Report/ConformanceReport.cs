namespace Cmux.Conformance.Report;

/// <summary>
/// One run's report, in the spirit of Gateway API conformance reports: what was tested and when
/// (<see cref="Run"/>), each provider with its endpoints, every check of the catalog on every
/// provider with one outcome, and the known differences as measured. Its JSON form follows
/// <c>docs/conformance-report.schema.json</c>, version <see cref="CurrentSchemaVersion"/>.
/// </summary>
public sealed record ConformanceReport(
    string SchemaVersion,
    RunMetadata Run,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Providers,
    IReadOnlyList<ProviderSummary> Summary,
    IReadOnlyList<CheckResult> Results,
    IReadOnlyList<ObservedDifference> Differences,
    IReadOnlyDictionary<string, SandboxesTouched> Sandboxes)
{
    public const string CurrentSchemaVersion = "1.0";
}

/// <summary>
/// The run: the implementation under test, the project's commit, mode, profile, start and end, and
/// the composition it ran over (profile, router with its implementation and version, execd, PVE,
/// Cloudflare), as the stack reported it; null when nothing said.
/// </summary>
public sealed record RunMetadata(
    string Implementation,
    string Commit,
    string RunId,
    string Mode,
    string Profile,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    IReadOnlyDictionary<string, string>? Composition = null);

/// <summary>
/// What a run did to a provider's sandboxes: every one it created, every one it deleted, the
/// earlier runs' marked leftovers its sweep deleted, and anything it could not delete, with why.
/// </summary>
public sealed record SandboxesTouched(IReadOnlyList<string> Created, IReadOnlyList<string> Deleted, IReadOnlyList<string> Swept, IReadOnlyList<string> Leftovers);

/// <summary>Counts per provider; every outcome has its own count, so nothing not run is folded into passed.</summary>
public sealed record ProviderSummary(string Provider, int Passed, int Failed, int Skipped, int NotSupported, int NotRun);

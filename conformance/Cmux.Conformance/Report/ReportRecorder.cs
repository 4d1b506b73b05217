using System.Collections.Concurrent;
using Cmux.Conformance.Checks;

namespace Cmux.Conformance.Report;

/// <summary>
/// Collects a run's outcomes and measurements; thread-safe. The report it builds lists every
/// catalog check on every provider: a check that recorded nothing is <see cref="Outcome.NotRun"/>.
/// </summary>
public sealed class ReportRecorder(IReadOnlyList<ConformanceCheck> catalog, IReadOnlyList<string> providers)
{
    private readonly ConcurrentDictionary<(string Provider, string Check), CheckResult> _results = new();
    private readonly ConcurrentDictionary<(string Difference, string Provider), string> _observations = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _descriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxesTouched> _sandboxes = new(StringComparer.Ordinal);

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The outcome recorded for a check on a provider, or null when it has not run.</summary>
    public CheckResult? Result(string provider, string check) => _results.GetValueOrDefault((provider, check));

    /// <summary>Records a result; a check recorded twice on one provider keeps its last outcome.</summary>
    public void Record(CheckResult result)
    {
        if (!providers.Contains(result.Provider) || catalog.All(c => c.ShortName != result.Check))
        {
            throw new ArgumentException($"{result.Provider}/{result.Check} is not a check × provider of this run.", nameof(result));
        }
        _results[(result.Provider, result.Check)] = result;
    }

    /// <summary>What the report says of a provider; URLs lose any user info and query, where credentials hide.</summary>
    public void DescribeProvider(string provider, IReadOnlyDictionary<string, string> endpoints) =>
        _descriptions[provider] = endpoints.ToDictionary(e => e.Key, e => Redact(e.Value));

    public static string Redact(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ws" or "wss"
            ? new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.ToString()
            : value;

    public void Observe(KnownDifference difference, string provider, string measured)
    {
        if (!KnownDifferences.All.Contains(difference))
        {
            throw new ArgumentException($"'{difference}' is not a known difference; add it to KnownDifferences first.", nameof(difference));
        }
        _observations[(difference.Name, provider)] = measured;
    }

    public void Sandboxes(string provider, SandboxesTouched touched) => _sandboxes[provider] = touched;

    public ConformanceReport Build(RunMetadata run)
    {
        var results = (from provider in providers
                       from check in catalog
                       select _results.TryGetValue((provider, check.ShortName), out var result)
                           ? result
                           : new CheckResult(provider, check.Feature, check.ShortName, check.Description, Outcome.NotRun,
                               "not run: filtered out of this run, or not reached", TimeSpan.Zero)).ToList();
        var summary = providers.Select(p =>
        {
            var mine = results.Where(r => r.Provider == p).ToList();
            int Count(Outcome o) => mine.Count(r => r.Outcome == o);
            return new ProviderSummary(p, Count(Outcome.Passed), Count(Outcome.Failed), Count(Outcome.Skipped), Count(Outcome.NotSupported), Count(Outcome.NotRun));
        }).ToList();
        var differences = KnownDifferences.All.Select(d => new ObservedDifference(d.Name, d.Description,
            providers.ToDictionary(p => p, p => _observations.GetValueOrDefault((d.Name, p), KnownDifferences.NotMeasured)))).ToList();
        var described = providers.ToDictionary(p => p,
            p => _descriptions.GetValueOrDefault(p) ?? new Dictionary<string, string>());
        var sandboxes = providers.ToDictionary(p => p, p => _sandboxes.GetValueOrDefault(p) ?? new SandboxesTouched([], [], [], []));
        return new ConformanceReport(ConformanceReport.CurrentSchemaVersion, run, described, summary, results, differences, sandboxes);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cmux.Conformance.Report;

/// <summary>Collects check outcomes and observed differences during a run; thread-safe.</summary>
public sealed class ReportRecorder
{
    private readonly ConcurrentQueue<CheckResult> _results = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _observations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _providers = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Record(CheckResult result) => _results.Enqueue(result);

    public void DescribeProvider(string provider, IReadOnlyDictionary<string, string> endpoints) => _providers[provider] = endpoints;

    /// <summary>Records what a provider did for a known difference (see <see cref="KnownDifferences"/>).</summary>
    public void Observe(string difference, string provider, string observed)
    {
        if (!KnownDifferences.All.ContainsKey(difference))
        {
            throw new ArgumentException($"'{difference}' is not a known difference; add it to KnownDifferences first.", nameof(difference));
        }
        _observations.GetOrAdd(difference, _ => new(StringComparer.Ordinal))[provider] = observed;
    }

    public ConformanceReport Build(string implementation, string profile, string mode) => new(
        implementation,
        profile,
        mode,
        _started,
        _clock.Elapsed,
        _providers.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
        _results.OrderBy(r => r.Provider, StringComparer.Ordinal).ThenBy(r => r.Feature, StringComparer.Ordinal)
            .ThenBy(r => r.Check, StringComparer.Ordinal).ToList(),
        _observations.OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new ObservedDifference(o.Key, KnownDifferences.All[o.Key],
                o.Value.OrderBy(v => v.Key, StringComparer.Ordinal).ToDictionary(v => v.Key, v => v.Value)))
            .ToList());
}

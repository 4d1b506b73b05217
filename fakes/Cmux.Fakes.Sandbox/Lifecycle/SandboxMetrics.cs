using System.Diagnostics.Metrics;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>The <c>Cmux.Sandbox</c> meter: sandboxes by state, and lifecycle operations by action and outcome.</summary>
public sealed class SandboxMetrics : IDisposable
{
    public const string MeterName = "Cmux.Sandbox";

    private readonly Meter _meter;
    private readonly Counter<long> _operations;

    public SandboxMetrics(IMeterFactory meters, Func<IEnumerable<SandboxState>> states)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("cmux.sandbox.count", () =>
        {
            var current = states().ToList();
            return Enum.GetValues<SandboxState>().Select(state =>
                new Measurement<int>(current.Count(s => s == state), new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant())));
        }, unit: "{sandbox}", description: "Sandboxes by state");
        _operations = _meter.CreateCounter<long>("cmux.sandbox.operations", unit: "{operation}", description: "Lifecycle operations by action and outcome");
    }

    public void Record(string action, bool succeeded) =>
        _operations.Add(1, new KeyValuePair<string, object?>("action", action), new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));

    public void Dispose() => _meter.Dispose();
}

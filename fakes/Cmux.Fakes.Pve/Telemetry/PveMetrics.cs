using System.Diagnostics.Metrics;

namespace Cmux.Fakes.Pve.Telemetry;

/// <summary>
/// The meter <c>Cmux.Pve</c> the dashboard shows: containers by status (observed from the node's
/// state) and tasks started and ended by type and result.
/// </summary>
public sealed class PveMetrics : IDisposable
{
    public const string MeterName = "Cmux.Pve";

    private readonly Meter _meter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _ended;

    public PveMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _started = _meter.CreateCounter<long>("pve.tasks.started", description: "Worker tasks started, by type");
        _ended = _meter.CreateCounter<long>("pve.tasks.ended", description: "Worker tasks ended, by type and result");
    }

    /// <summary>Publishes the container counts; <paramref name="countByStatus"/> is read at each collection.</summary>
    public void ObserveContainers(Func<IEnumerable<KeyValuePair<string, int>>> countByStatus) =>
        _meter.CreateObservableGauge("pve.containers", () => countByStatus()
            .Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("status", kv.Key))),
            description: "Containers on the node, by status (template, stopped, running)");

    public void TaskStarted(string type) => _started.Add(1, new KeyValuePair<string, object?>("type", type));

    public void TaskFinished(string type, bool ok) =>
        _ended.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("result", ok ? "OK" : "error"));

    public void Dispose() => _meter.Dispose();
}

using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Tasks;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Faults;

/// <summary>
/// The faults in force: the configured ones at start, replaced at runtime through
/// <c>PUT /_fake/faults</c>.
/// </summary>
public sealed class FaultInjector(IOptions<PveFakeOptions> options)
{
    private readonly Lock _gate = new();
    private FaultOptions _current = options.Value.Faults;
    private int _statusLeft = options.Value.Faults.StatusCount;

    public FaultOptions Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Replace(FaultOptions faults)
    {
        lock (_gate)
        {
            _current = faults;
            _statusLeft = faults.StatusCount;
        }
    }

    /// <summary>Applies latency, then throws the injected error status if one is due for this request.</summary>
    public async Task BeforeRequestAsync(CancellationToken cancellationToken)
    {
        var faults = Current;
        if (faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(faults.Latency, cancellationToken);
        }
        if (TakeStatus() is { } status)
        {
            throw new PveException(status, status == 595 ? "Connection timed out" : $"injected error {status}");
        }
    }

    public void ThrowIfTaskFails(string type)
    {
        var faults = Current;
        if (faults.FailingTasks.Contains(type, StringComparer.Ordinal))
        {
            throw new TaskFailedException(faults.TaskError);
        }
    }

    private int? TakeStatus()
    {
        lock (_gate)
        {
            if (_current.Status == 0 || _statusLeft == 0)
            {
                return null;
            }
            if (_statusLeft > 0)
            {
                _statusLeft--;
            }
            return _current.Status;
        }
    }
}

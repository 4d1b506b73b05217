using System.Diagnostics;
using System.Net;
using Cmux.Fakes.Sandbox.Processes;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>What a sandbox's services know about it.</summary>
public sealed record SandboxContext(
    int Id,
    string Hostname,
    IPAddress Address,
    SandboxLayout Layout,
    PauseGate Gate,
    Func<Task<Process>> StartShellAsync);

/// <summary>Holds new requests while the sandbox is paused, as a frozen container would.</summary>
public sealed class PauseGate
{
    private TaskCompletionSource _open = Opened();

    public void Close()
    {
        lock (this)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Open()
    {
        lock (this)
        {
            _open.TrySetResult();
        }
    }

    public Task WaitAsync(CancellationToken ct)
    {
        lock (this)
        {
            return _open.Task.WaitAsync(ct);
        }
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}

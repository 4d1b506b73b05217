using System.Net;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Processes;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// One sandbox: its state and its machine (whatever the runtime runs it on). Operations on one
/// sandbox run one at a time, and only in a state they fit; the machine does the work.
/// </summary>
public sealed class SandboxInstance(int id, string hostname, SandboxLayout layout, ISandboxMachine machine, IReadOnlyList<int> ports)
{
    private readonly SemaphoreSlim _operation = new(1, 1);

    public int Id { get; } = id;

    public string Hostname { get; } = hostname;

    public SandboxLayout Layout { get; } = layout;

    public SandboxState State { get; private set; } = SandboxState.Created;

    /// <summary>Where it is reached; null before the runtime knows (a container that never started).</summary>
    public IPAddress? Address => machine.Address;

    public SandboxInfo Info() => new(Id, Hostname, Address?.ToString() ?? "", State, ports, machine.Workspace);

    /// <summary>Starts it; <paramref name="environment"/> is its first process's (see <see cref="TokenInit"/>).</summary>
    public Task StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct) => RunAsync(async () =>
    {
        switch (State)
        {
            case SandboxState.Running:
                return;
            case SandboxState.Paused:
                throw new SandboxConflictException($"sandbox {Id} is paused; resume it");
        }
        await machine.StartAsync(environment, ct);
        State = SandboxState.Running;
    });

    public Task StopAsync() => RunAsync(async () =>
    {
        await machine.StopAsync();
        if (State != SandboxState.Created)
        {
            State = SandboxState.Stopped;
        }
    });

    public Task PauseAsync() => RunAsync(async () =>
    {
        RequireRunning("pause");
        if (State == SandboxState.Running)
        {
            await machine.PauseAsync();
            State = SandboxState.Paused;
        }
    });

    public Task ResumeAsync() => RunAsync(async () =>
    {
        RequireRunning("resume");
        if (State == SandboxState.Paused)
        {
            await machine.ResumeAsync();
            State = SandboxState.Running;
        }
    });

    /// <summary>Stops it and removes its machine; the manager then forgets it and deletes its folder.</summary>
    public Task RemoveAsync() => RunAsync(async () =>
    {
        await machine.RemoveAsync();
        if (State != SandboxState.Created)
        {
            State = SandboxState.Stopped;
        }
    });

    private void RequireRunning(string action)
    {
        if (State is not (SandboxState.Running or SandboxState.Paused))
        {
            throw new SandboxConflictException($"cannot {action} sandbox {Id}: it is {State.ToString().ToLowerInvariant()}, not running");
        }
    }

    private async Task RunAsync(Func<Task> operation)
    {
        await _operation.WaitAsync();
        try
        {
            await operation();
        }
        finally
        {
            _operation.Release();
        }
    }
}

/// <summary>The operation does not fit the sandbox's state (409).</summary>
public sealed class SandboxConflictException(string message) : Exception(message);

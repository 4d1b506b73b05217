using System.Net;
using Cmux.Fakes.Sandbox.Processes;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// What runs the sandboxes (<c>Sandbox:Runtime</c>): <c>process</c>, our execd and stand-ins on a
/// loopback address per sandbox (Processes/), or <c>docker</c>, a container from the template image
/// per sandbox (Docker/). The manager keeps the bookkeeping every runtime shares (ids, states, the
/// hosts file, logs, metrics); a runtime only makes each sandbox's machine and owns what the machines
/// share (the Docker network), from the host's start to its stop.
/// </summary>
public interface ISandboxRuntime
{
    /// <summary>For the host's startup log: what runs a sandbox and how it is isolated.</summary>
    string Description { get; }

    /// <summary>The ports every sandbox of this runtime serves (what the control API reports).</summary>
    IReadOnlyList<int> Ports { get; }

    /// <summary>At the host's start, before any sandbox: what the machines share.</summary>
    Task StartAsync(CancellationToken ct);

    /// <summary>At the host's stop, after every sandbox was removed.</summary>
    Task StopAsync(CancellationToken ct);

    ISandboxMachine Create(int id, string hostname, string? execdProfile, SandboxLayout layout);
}

/// <summary>
/// One sandbox's machine. The caller (<see cref="SandboxInstance"/>) runs one operation at a time and
/// only in a state it fits: start when created or stopped, pause when running, resume when paused.
/// </summary>
public interface ISandboxMachine
{
    /// <summary>Where the router and the gateways reach it; null until the runtime knows (Docker: after the first start).</summary>
    IPAddress? Address { get; }

    /// <summary>Its workspace as the control API reports it (a host folder, or a path in the container).</summary>
    string Workspace { get; }

    /// <summary>Starts it and answers once every port listens; <paramref name="environment"/> is its first process's.</summary>
    Task StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct);

    /// <summary>Stops every process, keeps its files; also from paused.</summary>
    Task StopAsync();

    Task PauseAsync();

    Task ResumeAsync();

    /// <summary>Stops it and removes what the runtime made for it (the host deletes its folder).</summary>
    Task RemoveAsync();
}

namespace Cmux.Fakes.Sandbox.Client;

/// <summary>A sandbox as the control API reports it.</summary>
public sealed record SandboxInfo(
    int Id,
    string Hostname,
    string Address,
    SandboxState State,
    IReadOnlyList<int> Ports,
    string Workspace);

public enum SandboxState
{
    Created,
    Running,
    Paused,
    Stopped,
}

/// <summary>
/// What a caller may say when creating a sandbox: its hostname, and the profile its execd speaks
/// when it is not the host's (Morph's agent is Morph's whatever cmux's profile is, so the Morph
/// fake asks for the seed contract its exec API translates).
/// </summary>
public sealed record CreateSandboxRequest(string? Hostname = null, string? ExecdProfile = null);

/// <summary>
/// What a start may carry: the environment the container's first process gets at this start (what
/// LXC's <c>lxc.environment</c> lines set, as a PVE pre-start hookscript writes them).
/// </summary>
public sealed record StartSandboxRequest(IReadOnlyDictionary<string, string>? Environment = null);

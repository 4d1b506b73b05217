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

/// <summary>What a caller may say when creating a sandbox.</summary>
public sealed record CreateSandboxRequest(string? Hostname = null);

namespace Cmux.Conformance.Providers;

/// <summary>
/// One sandbox provider as cmux drives it (PVE LXC or Morph Cloud). Implementations follow the
/// provider's real flow step by step and are configured only by endpoints and credentials, so
/// the same code runs against the fakes and against the real services.
/// </summary>
public interface ISandboxProvider
{
    /// <summary>Short name used in reports: <c>pve</c> or <c>morph</c>.</summary>
    string Name { get; }

    /// <summary>The endpoints and profile this provider talks to, for the report.</summary>
    IReadOnlyDictionary<string, string> Describe();

    /// <summary>Creates a sandbox and returns once the provider reports it ready (started).</summary>
    Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken);

    /// <summary>The public URL of a port of the sandbox (the provider's URL pattern).</summary>
    Uri UrlFor(SandboxHandle sandbox, int port);

    /// <summary>Runs a shell command the way cmux does on this provider, normalised to one shape.</summary>
    Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken);

    Task PauseAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    Task ResumeAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    Task StopAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    /// <summary>Deletes the sandbox; deleting one that is already gone succeeds.</summary>
    Task DeleteAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    /// <summary>Headers a client must add to reach a sandbox URL (Access service token, API key), if any.</summary>
    IReadOnlyDictionary<string, string> AuthHeaders { get; }

    /// <summary>
    /// A handler that reaches this provider's public URLs: in real mode a plain one; against the
    /// fakes it resolves the URL hosts to the loopback edge or gateway and trusts the run's CA.
    /// It carries no credentials (see <see cref="AuthHeaders"/>), so checks can also go without.
    /// </summary>
    HttpMessageHandler CreateHttpHandler();
}

/// <summary>A sandbox a provider created: its id in the provider's terms (vmid, instance id).</summary>
public sealed record SandboxHandle(string Provider, string Id, TimeSpan TimeToReady);

public sealed record ExecRequest(
    string Command,
    TimeSpan? Timeout = null,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// An exec result in one shape whatever the provider's wire format (<c>exitCode</c>,
/// <c>exit_code</c>, or an NDJSON <c>exit</c> event). <see cref="TimedOut"/> is set when the
/// provider reported a timeout (PVE: exit 124; Morph: the call failed).
/// </summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr, bool TimedOut = false)
{
    public const int TimeoutExitCode = 124;
}

/// <summary>A provider step failed: names the step, the sandbox, and what the provider said.</summary>
public sealed class ProviderException(string provider, string step, string? sandbox, string message, Exception? inner = null)
    : Exception($"{provider}: {step}{(sandbox is null ? "" : $" ({sandbox})")} failed: {message}", inner)
{
    public string Provider { get; } = provider;
    public string Step { get; } = step;
    public string? Sandbox { get; } = sandbox;
}

using System.Net;
using Cmux.Conformance.Checks;

namespace Cmux.Conformance.Providers;

/// <summary>
/// One sandbox provider as cmux drives it (PVE LXC or Morph Cloud). Implementations follow the
/// provider's real flow step by step and are configured only by endpoints and credentials, so
/// the same code runs against the fakes and against the real services. A check never knows which
/// provider it runs on: what differs is declared here (<see cref="Supports"/>, <see cref="Documented"/>)
/// or measured through these calls.
/// </summary>
public interface ISandboxProvider
{
    /// <summary>Short name used in reports: <c>pve</c> or <c>morph</c>.</summary>
    string Name { get; }

    /// <summary>The endpoints and profile this provider talks to, for the report; never a secret.</summary>
    IReadOnlyDictionary<string, string> Describe();

    /// <summary>Whether this provider has a capability, and if it has, whether this run can use it.</summary>
    Support Supports(Capability capability);

    /// <summary>The provider's documented answers the checks hold it to.</summary>
    ProviderContract Documented { get; }

    /// <summary>How this run reaches the provider's public URLs (a connect-to address, a CA to trust).</summary>
    PublicRoute Route { get; }

    /// <summary>Creates a sandbox and returns once the provider reports it ready (started).</summary>
    Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken);

    /// <summary>The public URL of a port of the sandbox (the provider's URL pattern).</summary>
    Uri UrlFor(SandboxHandle sandbox, int port);

    /// <summary>Makes a port the sandbox listens on reachable at its public URL, as cmux would for a new
    /// service: Morph exposes it as an HTTP service; PVE's router reaches every port already.</summary>
    Task PublishAsync(SandboxHandle sandbox, int port, CancellationToken cancellationToken);

    /// <summary>Runs a shell command the way cmux does on this provider, normalised to one shape.</summary>
    Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="body"/> as an exec request, unchecked, where the provider's exec API
    /// listens, and returns the status it answered: how the provider treats a client's bad request.</summary>
    Task<HttpStatusCode> SendRawExecAsync(SandboxHandle sandbox, string body, CancellationToken cancellationToken);

    /// <summary>The sandbox's status in the provider's own words (<c>running</c>, <c>ready</c>, ...), or null when it does not exist.</summary>
    Task<string?> StatusAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    Task PauseAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    Task ResumeAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    Task StopAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    /// <summary>Deletes the sandbox; deleting one that is already gone succeeds.</summary>
    Task DeleteAsync(SandboxHandle sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// Checks, before anything is created, that this run can work: the API answers, the credentials
    /// are accepted and may do what the run does, the template or snapshot exists, the public URLs
    /// answer. Each problem names the setting or privilege to fix; none means go.
    /// </summary>
    Task<IReadOnlyList<string>> PreflightAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the sandboxes that carry the suite's mark and that <paramref name="select"/> picks
    /// (an earlier run's leftovers, or this run's own); an unmarked sandbox is never touched.
    /// Returns the ids it deleted.
    /// </summary>
    Task<IReadOnlyList<string>> SweepAsync(Func<SandboxMark, bool> select, CancellationToken cancellationToken);

    /// <summary>Headers a client must add to reach a sandbox URL (Access service token, API key), if any.</summary>
    IReadOnlyDictionary<string, string> AuthHeaders { get; }

    /// <summary>The tunnel setup that publishes this provider's URLs, when the suite may run it; null otherwise.</summary>
    Provisioning.ProvisioningOptions? Tunnel { get; }

    /// <summary>
    /// A handler that reaches this provider's public URLs along <see cref="Route"/>. It carries no
    /// credentials (see <see cref="AuthHeaders"/>), so checks can also go without.
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
/// provider reported a timeout (PVE: exit 124; Morph: the call failed). <see cref="Wire"/> says
/// what the provider's answer looked like (content type and fields), as it was received.
/// </summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr, bool TimedOut = false, string Wire = "");

/// <summary>What a provider documents it answers; the checks hold it to these.</summary>
public sealed record ProviderContract(
    System.Text.RegularExpressions.Regex UrlPattern,
    string Domain,
    HttpStatusCode UnknownSandboxStatus,
    HttpStatusCode ClosedPortStatus,
    SandboxHandle Nonexistent,
    TimeSpan? WebSocketIdleTimeout = null);

/// <summary>
/// How public URLs are reached: <see cref="ConnectTo"/> sends every connection to one address
/// (a loopback edge, a router on the LAN) while the URL's host stays the Host header and TLS
/// server name; <see cref="TrustedRoots"/> replaces the system's roots. Both null: plain DNS and
/// the system's trust.
/// </summary>
public sealed record PublicRoute(DnsEndPoint? ConnectTo = null, Http.TrustedRoots? TrustedRoots = null)
{
    public static readonly PublicRoute Direct = new();
}

/// <summary>A provider step failed: names the step, the sandbox, and what the provider said.</summary>
public sealed class ProviderException(string provider, string step, string? sandbox, string message, Exception? inner = null)
    : Exception($"{provider}: {step}{(sandbox is null ? "" : $" ({sandbox})")} failed: {message}", inner)
{
    public string Provider { get; } = provider;
    public string Step { get; } = step;
    public string? Sandbox { get; } = sandbox;
}

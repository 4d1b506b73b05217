using Cmux.Provisioning;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// Where the PVE provider connects and how patiently it polls. Credentials come from the
/// environment (or user secrets mapped onto it) in real mode; nothing is hard-coded.
/// </summary>
public sealed record PveProviderOptions
{
    /// <summary>The PVE API, e.g. <c>https://pve.example.test:8006</c> (without <c>/api2/json</c>).</summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>The API token id, <c>user@realm!tokenid</c>.</summary>
    public required string TokenId { get; init; }

    public required string TokenSecret { get; init; }

    public string Node { get; init; } = "pve";

    /// <summary>
    /// <c>seed</c> (<see cref="Cmux.Contract.Profiles"/>): containers <c>cmux-{vmid}</c>, URLs
    /// <c>port-{port}-vm-{vmid}</c>, JSON exec. <c>cmux</c>: containers named by instance id
    /// (<c>pvelxc-…</c>), URLs <c>port-{port}-{instanceId}</c>, NDJSON exec.
    /// </summary>
    public string Profile { get; init; } = Cmux.Contract.Profiles.Seed;

    /// <summary>The domain of the public URLs: <c>https://port-{port}-vm-{vmid}.{Domain}</c> (seed profile).</summary>
    public required string Domain { get; init; }

    public int TemplateVmid { get; init; } = 9000;

    /// <summary>cmux takes the smallest free vmid from here, across LXC and QEMU.</summary>
    public int FirstVmid { get; init; } = 200;

    /// <summary>cmux retries a clone whose vmid was taken in the meantime this many times.</summary>
    public int CloneAttempts { get; init; } = 5;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// How long a create waits, after PVE's start task, for exec to answer through the public URL;
    /// null ends a create with the start task (tests of the API alone, with no router behind it).
    /// </summary>
    public TimeSpan? ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>PVE's certificate is self-signed and cmux turns verification off; here that takes an explicit choice.</summary>
    public bool AcceptAnyApiCertificate { get; init; }

    /// <summary>Roots that verify the API's certificate instead of the system's (PVE's own CA); null uses the system's.</summary>
    public Http.TrustedRoots? ApiTrust { get; init; }

    /// <summary>Cloudflare Access service token, sent on every API and sandbox request when set.</summary>
    public string? AccessClientId { get; init; }

    public string? AccessClientSecret { get; init; }

    /// <summary>The public URLs' scheme: <c>https</c> as the seed publishes them; <c>http</c> reaches a
    /// router directly, without the TLS edge in front.</summary>
    public string PublicScheme { get; init; } = "https";

    /// <summary>How the public URLs are reached (a connect-to address, the roots to trust).</summary>
    public PublicRoute Route { get; init; } = PublicRoute.Direct;

    /// <summary>The tunnel setup that publishes the URLs, for the provisioning check; null when not configured.</summary>
    public ProvisioningOptions? Tunnel { get; init; }

    /// <summary>After how long the edge in front of the URLs closes an idle websocket; null when not known.</summary>
    public TimeSpan? EdgeWebSocketIdleTimeout { get; init; }


    /// <summary>The run's mark, put on every container it clones (description line and tags).</summary>
    public SandboxMark Mark { get; init; } = SandboxMark.NewRun();

    /// <summary>Replaces the HTTP handler for the PVE API (tests, custom trust).</summary>
    public HttpMessageHandler? ApiHandler { get; init; }

    /// <summary>The Access service-token headers, empty when none is configured.</summary>
    public IReadOnlyDictionary<string, string> AccessHeaders =>
        AccessClientId is { Length: > 0 } id && AccessClientSecret is { Length: > 0 } secret
            ? new Dictionary<string, string> { ["CF-Access-Client-Id"] = id, ["CF-Access-Client-Secret"] = secret }
            : new Dictionary<string, string>();
}

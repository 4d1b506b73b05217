namespace Cmux.Conformance.Checks;

/// <summary>
/// Something a provider may or may not have; checks name the capabilities they need and
/// providers declare, through <see cref="Providers.ISandboxProvider.Supports"/>, which they have.
/// </summary>
public sealed record Capability(string Name, string Description)
{
    public static readonly Capability CloudflareAccess = new("cloudflare-access",
        "Sandbox URLs sit behind Cloudflare Access; a service token passes.");

    public static readonly Capability TunnelProvisioning = new("tunnel-provisioning",
        "The provider's public URLs come from a Cloudflare Tunnel the suite can provision.");

    public static readonly Capability WebSocketIdleTimeout = new("websocket-idle-timeout",
        "The edge in front of the URLs closes idle websockets after a documented time.");

    public static readonly Capability PauseResume = new("pause-resume", "A sandbox can be paused and resumed.");

    public override string ToString() => Name;
}

/// <summary>How far a provider supports a capability in this run.</summary>
public enum SupportLevel
{
    /// <summary>The provider has it and this run can use it.</summary>
    Supported,

    /// <summary>The provider does not have it: checks that need it are <c>not-supported</c>.</summary>
    NotSupported,

    /// <summary>The provider has it but this environment lacks what it takes (a credential, a setting): <c>skipped</c>.</summary>
    Unavailable,
}

/// <summary>A provider's answer to "do you support this?", with the reason when it is not a plain yes.</summary>
public sealed record Support(SupportLevel Level, string? Reason = null)
{
    public static readonly Support Yes = new(SupportLevel.Supported);

    public static Support No(string reason) => new(SupportLevel.NotSupported, reason);

    public static Support Lacking(string reason) => new(SupportLevel.Unavailable, reason);
}

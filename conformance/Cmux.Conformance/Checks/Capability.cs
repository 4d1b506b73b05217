namespace Cmux.Conformance.Checks;

/// <summary>What a provider can do; checks name the capabilities they need.</summary>
public static class Capability
{
    /// <summary>Sandbox URLs sit behind Cloudflare Access (service tokens).</summary>
    public const string CloudflareAccess = "cloudflare-access";

    /// <summary>The provider's public URLs come from a tunnel the suite provisions.</summary>
    public const string TunnelProvisioning = "tunnel-provisioning";

    /// <summary>The edge closes idle websockets after a known timeout.</summary>
    public const string WebSocketIdleTimeout = "websocket-idle-timeout";

    /// <summary>
    /// The sandboxes serve the suite's test endpoints (<c>/_cmux/echo</c>, <c>/_cmux/ws</c>, ...)
    /// on every port: the fake sandboxes do; a real template does only if it installs them.
    /// </summary>
    public const string TestEndpoints = "sandbox-test-endpoints";

    /// <summary>The provider can pause a sandbox and resume it.</summary>
    public const string PauseResume = "pause-resume";
}

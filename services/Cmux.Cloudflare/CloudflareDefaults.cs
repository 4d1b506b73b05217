namespace Cmux.Cloudflare;

/// <summary>The fake API's account, zone and token when nothing is configured; the edge and the
/// provisioning tool default to the same values so a bare local run fits together.</summary>
public static class CloudflareDefaults
{
    public const string Token = "cmux-fake-cloudflare-token";
    public const string AccountId = "0123456789abcdef0123456789abcdef";
    public const string ZoneId = "fedcba9876543210fedcba9876543210";
    public const string Domain = "example.test";
    public const string TunnelName = "cmux-tunnel";
    /// <summary>Where a proxied CNAME points to send a name through a tunnel: <c>{tunnel id}.cfargotunnel.com</c>.</summary>
    public const string TunnelTargetSuffix = ".cfargotunnel.com";
}

namespace Cmux.Cloudflare;

/// <summary>The names a cmux tunnel goes by: its own, and the DNS target that routes a hostname into it.</summary>
public static class TunnelNames
{
    /// <summary>The tunnel cmux's <c>pve-tunnel-setup.sh</c> creates.</summary>
    public const string Default = "cmux-tunnel";

    /// <summary>Where a proxied CNAME points to send a name through a tunnel: <c>{tunnel id}.cfargotunnel.com</c>.</summary>
    public const string CnameTargetSuffix = ".cfargotunnel.com";

    public static string CnameTarget(string tunnelId) => tunnelId + CnameTargetSuffix;
}

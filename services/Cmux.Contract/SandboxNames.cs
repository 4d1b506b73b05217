using System.Globalization;

namespace Cmux.Contract;

/// <summary>The LAN names the router proxies to (docs/contracts.md §5), as PVE's DNS publishes them.</summary>
public static class SandboxNames
{
    public const string DefaultSearchDomain = "lan";

    /// <summary>What the seed's Caddyfile puts before the vmid it captured, as written (leading zeros kept).</summary>
    public const string HostnamePrefix = "cmux-";

    /// <summary>The seed profile's container host name: <c>cmux-{vmid}</c>.</summary>
    public static string Hostname(int vmid) => string.Create(CultureInfo.InvariantCulture, $"{HostnamePrefix}{vmid}");

    /// <summary><c>cmux-{vmid}.{searchDomain}</c>: where the seed Caddyfile sends <c>port-*-vm-{vmid}</c>.</summary>
    public static string LanName(int vmid, string searchDomain = DefaultSearchDomain) => $"{Hostname(vmid)}.{searchDomain}";
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Cmux.Contract;

/// <summary>
/// The public URL patterns (docs/contracts.md §2). Every generated host is one DNS label under the
/// domain, because the edge's wildcard certificate covers one label only.
/// </summary>
public static partial class UrlPatterns
{
    /// <summary>The PVE seed profile: <c>port-{port}-vm-{vmid}.{domain}</c>.</summary>
    public static string SeedHost(int port, int vmid, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"port-{port}-vm-{vmid}.{domain}");

    /// <summary>The current cmux profile: <c>port-{port}-{instanceId}.{domain}</c>.</summary>
    public static string CmuxHost(int port, string instanceId, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"port-{port}-{instanceId}.{domain}");

    /// <summary>The name cmux gives a Morph service for a port.</summary>
    public static string MorphServiceName(int port) => string.Create(CultureInfo.InvariantCulture, $"port-{port}");

    /// <summary>Morph's service host: <c>{name}-{instance id with _ as -}.{gateway domain}</c>.</summary>
    public static string MorphHost(string serviceName, string instanceId, string gatewayDomain) =>
        $"{serviceName}-{instanceId.Replace('_', '-')}.{gatewayDomain}";

    /// <summary>The pattern, in words, as reports print it.</summary>
    public const string SeedTemplate = "port-{port}-vm-{vmid}.{domain}";
    public const string CmuxTemplate = "port-{port}-{instanceId}.{domain}";
    public const string MorphTemplate = "port-{port}-morphvm-{id}.{domain}";

    /// <summary>A regex matching a whole host of the given pattern under <paramref name="domain"/>.</summary>
    public static Regex SeedHostRegex(string domain) => new($@"^port-\d{{1,5}}-vm-\d+\.{Regex.Escape(domain)}$", RegexOptions.CultureInvariant);

    public static Regex CmuxHostRegex(string domain) => new($@"^port-\d{{1,5}}-{CmuxInstanceIdPattern}\.{Regex.Escape(domain)}$", RegexOptions.CultureInvariant);

    public static Regex MorphHostRegex(string domain) => new($@"^port-\d{{1,5}}-morphvm-[a-z0-9]+\.{Regex.Escape(domain)}$", RegexOptions.CultureInvariant);

    /// <summary>cmux's PVE instance ids: <c>pvelxc-</c> and 8 lower-case hex digits.</summary>
    public const string CmuxInstanceIdPattern = "pvelxc-[0-9a-f]{8}";

    public static bool IsCmuxInstanceId(string id) => CmuxInstanceId().IsMatch(id);

    [GeneratedRegex("^pvelxc-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex CmuxInstanceId();
}

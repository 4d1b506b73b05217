using System.Net;
using System.Text.RegularExpressions;

namespace Cmux.Fakes.Pve.Schema;

/// <summary>
/// The named string formats of PVE's schema that matter to the LXC endpoints, with the texts PVE's
/// format verifiers die with. Formats not listed (property strings such as <c>net[n]</c>, time
/// zones, tags) are accepted as they are: the fake stores them without interpreting them.
/// </summary>
internal static partial class SchemaFormats
{
    private static readonly Dictionary<string, Func<string, string?>> Verifiers = new(StringComparer.Ordinal)
    {
        ["pve-node"] = v => NodeName().IsMatch(v) ? null : "value does not look like a valid node name",
        ["dns-name"] = v => DnsName().IsMatch(v) ? null : "value does not look like a valid DNS name",
        ["pve-configid"] = v => ConfigId().IsMatch(v) ? null : $"invalid configuration ID '{v}'",
        ["pve-storage-id"] = v => StorageId().IsMatch(v) ? null : $"storage ID '{v}' contains illegal characters",
        ["pve-poolid"] = v => PoolId().IsMatch(v) ? null : $"pool name '{v}' contains illegal characters",
        ["pve-realm"] = v => Realm().IsMatch(v) ? null : "value does not look like a valid realm",
        ["pve-vmid"] = v => VmId().IsMatch(v) ? null : "value does not look like a valid VM ID",
        ["ip"] = v => IPAddress.TryParse(v, out _) ? null : "value does not look like a valid IP address",
    };

    /// <summary>The verifier's message when <paramref name="value"/> is not of the format, else null.</summary>
    public static string? Verify(string format, string value)
    {
        if (format.EndsWith("-list", StringComparison.Ordinal) && Verifiers.TryGetValue(format[..^5], out var item))
        {
            return ListSeparator().Split(value).Where(v => v.Length > 0).Select(item).FirstOrDefault(e => e is not null);
        }
        return Verifiers.TryGetValue(format, out var verify) ? verify(value) : null;
    }

    [GeneratedRegex(@"^(?i:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)\.)*(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)$")]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^(?i:[a-z][a-z0-9_-]+)$")]
    private static partial Regex ConfigId();

    [GeneratedRegex(@"^(?i:[a-z][a-z0-9\-_.]*[a-z0-9])$")]
    private static partial Regex StorageId();

    [GeneratedRegex(@"^[A-Za-z0-9.\-_]+$")]
    private static partial Regex PoolId();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z.\-_0-9]*[A-Za-z0-9]$")]
    private static partial Regex Realm();

    [GeneratedRegex(@"^[1-9][0-9]{2,8}$")]
    private static partial Regex VmId();

    [GeneratedRegex(@"[,;\s]+")]
    private static partial Regex ListSeparator();
}

using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;
using Cmux.Cloudflare.Ingress;

namespace Cmux.Fakes.Edge.RemoteConfig;

/// <summary>
/// What the edge knows at one moment (<see cref="FetchedAt"/>: when the reading began): the zone's
/// records, each tunnel's ingress, Access applications and the service tokens that exist.
/// </summary>
public sealed record EdgeSnapshot(
    IReadOnlyList<DnsRecord> Records,
    IReadOnlyDictionary<string, IngressConfiguration> Ingress,
    IReadOnlyList<AccessApplication> Applications,
    IReadOnlyList<ServiceToken> ServiceTokens,
    DateTimeOffset FetchedAt)
{
    public static readonly EdgeSnapshot Empty = new([], new Dictionary<string, IngressConfiguration>(), [], [], DateTimeOffset.MinValue);

    /// <summary>
    /// The proxied record that answers for <paramref name="host"/>: an exact name, else the closest
    /// wildcard above it (DNS wildcards, unlike certificates, cover any depth).
    /// </summary>
    public DnsRecord? ResolveRecord(string host) =>
        Records.FirstOrDefault(r => string.Equals(r.Name, host, StringComparison.OrdinalIgnoreCase))
        ?? Records
            .Where(r => r.Name.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(r.Name[1..], StringComparison.OrdinalIgnoreCase))
            .MaxBy(r => r.Name.Length);

    /// <summary>The tunnel id of a proxied <c>{id}.cfargotunnel.com</c> CNAME, else null.</summary>
    public static string? TunnelId(DnsRecord record) =>
        record is { Type: "CNAME", Proxied: true } && record.Content.EndsWith(TunnelNames.CnameTargetSuffix, StringComparison.OrdinalIgnoreCase)
            ? record.Content[..^TunnelNames.CnameTargetSuffix.Length]
            : null;
}

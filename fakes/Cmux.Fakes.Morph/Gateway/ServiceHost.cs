using Cmux.Fakes.Morph.Instances;

namespace Cmux.Fakes.Morph.Gateway;

/// <summary>
/// A service's public host, <c>{name}-morphvm-{id}.{domain}</c>: one DNS label under the gateway
/// domain, the instance id's underscore written as a hyphen (underscores are not valid in host names).
/// </summary>
public sealed record ServiceHost(string ServiceName, string InstanceId)
{
    public const int MaxLabelLength = 63;

    private const string Marker = "-morphvm-";

    /// <summary>Parses a request host; null when it is not one label under <paramref name="domain"/> in this shape.</summary>
    public static ServiceHost? Parse(string host, string domain)
    {
        host = host.ToLowerInvariant().TrimEnd('.');
        var suffix = "." + domain.ToLowerInvariant();
        if (!host.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }
        var label = host[..^suffix.Length];
        if (label.Length is 0 or > MaxLabelLength || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            return null;
        }
        var marker = label.LastIndexOf(Marker, StringComparison.Ordinal);
        var id = marker < 0 ? "" : label[(marker + Marker.Length)..];
        if (marker <= 0 || id.Length == 0 || id.Contains('-', StringComparison.Ordinal))
        {
            return null;
        }
        return new ServiceHost(label[..marker], InstanceStore.IdPrefix + id);
    }
}

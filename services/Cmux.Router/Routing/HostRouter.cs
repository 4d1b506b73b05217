using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using Cmux.Contract;

namespace Cmux.Router.Routing;

/// <summary>What the router does with a request, decided from its Host alone.</summary>
public enum RouteOutcome
{
    /// <summary>Proxy to <see cref="RouteDecision.Destination"/>.</summary>
    Forward,

    /// <summary>No route matches: Caddy's 404 text.</summary>
    NotFound,

    /// <summary>The host names port 0 or a port above 65535: Caddy cannot dial it and answers an empty 502.</summary>
    BadPort,

    /// <summary>The port is outside <see cref="RouterOptions.AllowedPorts"/>.</summary>
    PortNotAllowed,
}

/// <summary>The route a request took, for telemetry.</summary>
public enum RouteKind
{
    None,
    Sandbox,
    Pve,
}

public readonly record struct RouteDecision(RouteOutcome Outcome, RouteKind Kind, string? Destination = null, int Port = 0);

/// <summary>
/// Caddy's matchers without a regex engine: <c>^port-(\d+)-vm-(\d+)\.</c> (seed) or
/// <c>^port-(\d+)-([a-z0-9-]+)\.</c> (cmux), case-sensitive like Go's regexp, after an exact
/// (case-insensitive, port-less) match of <c>pve.{domain}</c>. Destinations are cached per host
/// label so the hot path allocates nothing once a sandbox port has been seen.
/// </summary>
public sealed class HostRouter
{
    private const string Prefix = "port-";
    private const string SeedTarget = "vm-";
    private const int MaxCachedDestinations = 4096;

    private static readonly SearchValues<char> CmuxIdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    private readonly RouterProfile _profile;
    private readonly string _searchDomain;
    private readonly string? _pveHost;
    private readonly string? _pveDestination;
    private readonly FrozenSet<int>? _allowedPorts;
    private readonly ConcurrentDictionary<string, string> _destinations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _destinationsByLabel;

    public HostRouter(RouterOptions options)
    {
        options.Validate();
        _profile = options.Profile;
        _searchDomain = options.SearchDomain;
        _pveHost = options.PveHost;
        _pveDestination = options.PveUpstream?.AbsoluteUri.TrimEnd('/');
        _allowedPorts = PortSet.Parse(options.AllowedPorts);
        _destinationsByLabel = _destinations.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public RouteDecision Route(ReadOnlySpan<char> host)
    {
        if (_pveHost is not null && HostPort.HostOf(host).Equals(_pveHost, StringComparison.OrdinalIgnoreCase))
        {
            return new RouteDecision(RouteOutcome.Forward, RouteKind.Pve, _pveDestination);
        }
        if (!TryMatch(host, out var label, out var portDigits, out var target))
        {
            return new RouteDecision(RouteOutcome.NotFound, RouteKind.None);
        }
        if (!TryParsePort(portDigits, out var port))
        {
            return new RouteDecision(RouteOutcome.BadPort, RouteKind.Sandbox);
        }
        if (_allowedPorts is not null && !_allowedPorts.Contains(port))
        {
            return new RouteDecision(RouteOutcome.PortNotAllowed, RouteKind.Sandbox, Port: port);
        }
        if (!_destinationsByLabel.TryGetValue(label, out var destination))
        {
            destination = $"http://{UpstreamName(target)}:{port}";
            if (_destinations.Count < MaxCachedDestinations)
            {
                _destinationsByLabel.TryAdd(label, destination);
            }
        }
        return new RouteDecision(RouteOutcome.Forward, RouteKind.Sandbox, destination, port);
    }

    private string UpstreamName(ReadOnlySpan<char> target) => _profile == RouterProfile.Seed
        ? $"{SandboxNames.HostnamePrefix}{target[SeedTarget.Length..]}.{_searchDomain}"
        : $"{target}.{_searchDomain}";

    /// <summary>Splits <c>port-{digits}-{target}.</c>: the label is everything before the first dot,
    /// which must exist; the target is the profile's second capture group plus its literal prefix.</summary>
    private bool TryMatch(ReadOnlySpan<char> host, out ReadOnlySpan<char> label, out ReadOnlySpan<char> port, out ReadOnlySpan<char> target)
    {
        label = port = target = default;
        var dot = host.IndexOf('.');
        if (dot < 0 || !host.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        label = host[..dot];
        var rest = label[Prefix.Length..];
        var digits = rest.IndexOfAnyExceptInRange('0', '9');
        if (digits <= 0 || rest[digits] != '-')
        {
            return false;
        }
        port = rest[..digits];
        target = rest[(digits + 1)..];
        return _profile == RouterProfile.Seed
            ? target.Length > SeedTarget.Length && target.StartsWith(SeedTarget, StringComparison.Ordinal)
                && target[SeedTarget.Length..].IndexOfAnyExceptInRange('0', '9') < 0
            : target.Length > 0 && target.IndexOfAnyExcept(CmuxIdChars) < 0;
    }

    /// <summary>Leading zeros are accepted, as Go's dialer accepts them; 0 and values above 65535 are not.</summary>
    private static bool TryParsePort(ReadOnlySpan<char> digits, out int port)
    {
        var significant = digits.TrimStart('0');
        port = 0;
        return significant.Length is > 0 and <= 5 && int.TryParse(significant, out port) && port <= 65535;
    }
}

using System.Collections.Frozen;
using Cmux.Contract;

namespace Cmux.Router.Routing;

/// <summary>Which Caddy configuration the router reproduces.</summary>
public enum RouterProfile
{
    /// <summary>The seed's Caddyfile: <c>port-{port}-vm-{vmid}.{domain}</c> to <c>cmux-{vmid}.lan:{port}</c>.</summary>
    Seed,

    /// <summary>cmux's current Caddy rules: <c>port-{port}-{id}.{domain}</c> to <c>{id}.{searchdomain}:{port}</c>,
    /// with CORS opened and framing headers stripped.</summary>
    Cmux,
}

/// <summary>The <c>Router</c> configuration section. Every default reproduces Caddy's behaviour.</summary>
public sealed class RouterOptions
{
    public const string Section = "Router";

    /// <summary>Caddy's <c>reverse_proxy</c> default <c>dial_timeout</c>.</summary>
    public static readonly TimeSpan CaddyDialTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The dial timeout cmux's Caddyfile sets.</summary>
    public static readonly TimeSpan CmuxDialTimeout = TimeSpan.FromSeconds(10);

    public RouterProfile Profile { get; set; } = RouterProfile.Seed;

    /// <summary>With <see cref="PveUpstream"/>, requests for exactly <c>pve.{Domain}</c> go to the PVE API.</summary>
    public string? Domain { get; set; }

    /// <summary>The PVE API, e.g. <c>https://pve-host.lan:8006</c>; its certificate is not verified (PVE's is self-signed).</summary>
    public Uri? PveUpstream { get; set; }

    /// <summary>The DNS suffix of sandbox names: <c>cmux-200.{SearchDomain}</c>.</summary>
    public string SearchDomain { get; set; } = SandboxNames.DefaultSearchDomain;

    /// <summary>A hosts file (<c>127.1.0.200 cmux-200.lan cmux-200</c>) consulted before the system resolver.</summary>
    public string? HostsFile { get; set; }

    /// <summary>
    /// Resolve names only from <see cref="HostsFile"/> (IP literals still connect): a name it lacks
    /// fails as an unknown host does, and no DNS query leaves the machine. For runs against the fake
    /// sandboxes, whose names exist nowhere else.
    /// </summary>
    public bool HostsFileOnly { get; set; }

    /// <summary>Ports a request may reach, e.g. <c>39375-39383,5173</c>; empty allows every port, as Caddy does.</summary>
    public string? AllowedPorts { get; set; }

    /// <summary>How long connecting to an upstream may take; the profile's Caddy value when unset.</summary>
    public TimeSpan? DialTimeout { get; set; }

    /// <summary>Closes a websocket with no traffic in either direction for this long; none by default, as in Caddy.</summary>
    public TimeSpan? WebSocketIdleTimeout { get; set; }

    public TimeSpan EffectiveDialTimeout =>
        DialTimeout ?? (Profile == RouterProfile.Cmux ? CmuxDialTimeout : CaddyDialTimeout);

    /// <summary>The host name of the PVE route, or null when that route is off.</summary>
    public string? PveHost => PveUpstream is not null && !string.IsNullOrEmpty(Domain) ? $"pve.{Domain}" : null;

    /// <summary>Throws with every problem in the configuration, so a bad setting stops the router at start.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (PveUpstream is { } pve && (!pve.IsAbsoluteUri || pve.Scheme is not ("http" or "https")))
        {
            problems.Add($"Router:PveUpstream must be an absolute http(s) URL, got '{pve}'.");
        }
        if (PveUpstream is not null && string.IsNullOrEmpty(Domain))
        {
            problems.Add("Router:PveUpstream needs Router:Domain (the route is pve.{Domain}).");
        }
        if (string.IsNullOrWhiteSpace(SearchDomain) || SearchDomain.Contains(':') || SearchDomain.Contains('/'))
        {
            problems.Add($"Router:SearchDomain must be a DNS suffix such as 'lan', got '{SearchDomain}'.");
        }
        if (DialTimeout is { } dial && dial <= TimeSpan.Zero)
        {
            problems.Add($"Router:DialTimeout must be positive, got {dial}.");
        }
        if (WebSocketIdleTimeout is { } idle && idle <= TimeSpan.Zero)
        {
            problems.Add($"Router:WebSocketIdleTimeout must be positive, got {idle}.");
        }
        try
        {
            _ = PortSet.Parse(AllowedPorts);
        }
        catch (FormatException e)
        {
            problems.Add(e.Message);
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid router configuration: " + string.Join(" ", problems));
        }
    }
}

/// <summary>An allow-list of ports parsed from <c>39375-39383,5173</c>; null means every port.</summary>
public static class PortSet
{
    public static FrozenSet<int>? Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            return null;
        }
        var ports = new HashSet<int>();
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = item.IndexOf('-');
            var (first, last) = dash < 0
                ? (ParsePort(item, spec), ParsePort(item, spec))
                : (ParsePort(item[..dash], spec), ParsePort(item[(dash + 1)..], spec));
            if (first > last)
            {
                throw new FormatException($"Router:AllowedPorts has a reversed range '{item}' in '{spec}'.");
            }
            for (var port = first; port <= last; port++)
            {
                ports.Add(port);
            }
        }
        return ports.ToFrozenSet();
    }

    private static int ParsePort(string text, string spec) =>
        int.TryParse(text, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"Router:AllowedPorts: '{text}' is not a port 1-65535 in '{spec}'.");
}

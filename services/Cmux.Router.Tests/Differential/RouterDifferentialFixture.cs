using System.Globalization;
using System.Net;
using Cmux.Router.Routing;

namespace Cmux.Router.Tests.Differential;

/// <summary>Caddy and our router in one profile, side by side.</summary>
public sealed record ProxyPair(RouterProfile Profile, IPEndPoint Caddy, IPEndPoint Router);

/// <summary>
/// Debian's Caddy 2.6.2 and our router, side by side on loopback, in front of the same sandbox,
/// in both profiles: Caddy with <c>Caddy/seed.Caddyfile</c> and with <c>Caddy/cmux.Caddyfile</c>,
/// the router with <c>Router:Profile</c> seed and cmux. Each proxy runs in a private mount
/// namespace whose <c>/etc/resolv.conf</c> names 127.0.0.1, so a name the hosts file lacks fails
/// without any query leaving the machine; Caddy also gets the sandbox host's hosts file as
/// <c>/etc/hosts</c>, while the router reads it through <c>Router:HostsFile</c>. One sandbox serves
/// every test of the collection (its address is fixed by its vmid, so two could not run at once).
/// </summary>
public sealed class RouterDifferentialFixture : IAsyncLifetime
{
    /// <summary>The public domain both proxies are configured with (the cmux 404 text names it).</summary>
    public const string Domain = "example.com";

    private readonly List<NamespacedProcess> _processes = [];
    private DirectoryInfo? _dir;
    private SandboxBackend? _sandboxes;

    public ProxyPair Seed { get; private set; } = null!;
    public ProxyPair Cmux { get; private set; } = null!;

    /// <summary>The seed pair, for the fixed cases.</summary>
    public IPEndPoint Caddy => Seed.Caddy;

    public IPEndPoint Router => Seed.Router;

    public ProxyPair For(RouterProfile profile) => profile == RouterProfile.Seed ? Seed : Cmux;

    /// <summary>services/Cmux.Router/Caddy/{profile}.Caddyfile, which the router's build puts beside our assembly.</summary>
    public static string Caddyfile(RouterProfile profile) =>
        Path.Combine(AppContext.BaseDirectory, "Caddy", $"{profile.ToString().ToLowerInvariant()}.Caddyfile");

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("cmux-router-diff-");
        _sandboxes = await SandboxBackend.StartAsync(_dir.FullName, RouterCases.Vmid);
        var resolvConf = Path.Combine(_dir.FullName, "resolv.conf");
        await File.WriteAllTextAsync(resolvConf, "nameserver 127.0.0.1\n");
        Seed = await StartPairAsync(RouterProfile.Seed, resolvConf);
        Cmux = await StartPairAsync(RouterProfile.Cmux, resolvConf);
    }

    private async Task<ProxyPair> StartPairAsync(RouterProfile profile, string resolvConf)
    {
        var home = Directory.CreateDirectory(Path.Combine(_dir!.FullName, profile.ToString())).FullName;
        var caddy = LocalProcesses.FreeLoopbackEndpoint();
        _processes.Add(await NamespacedProcess.StartAsync($"caddy run --adapter caddyfile --config '{Caddyfile(profile)}'",
            [(_sandboxes!.HostsFile, "/etc/hosts"), (resolvConf, "/etc/resolv.conf")],
            new Dictionary<string, string>
            {
                ["HOME"] = home,
                ["XDG_CONFIG_HOME"] = home,
                ["XDG_DATA_HOME"] = home,
                ["CADDY_PORT"] = caddy.Port.ToString(CultureInfo.InvariantCulture),
                ["CADDY_DOMAIN"] = Domain,
            },
            caddy));

        var router = LocalProcesses.FreeLoopbackEndpoint();
        _processes.Add(await NamespacedProcess.StartAsync(NamespacedProcess.RouterCommand,
            [(resolvConf, "/etc/resolv.conf")],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://{router}",
                ["Router__Profile"] = profile.ToString(),
                ["Router__Domain"] = Domain,
                ["Router__HostsFile"] = _sandboxes.HostsFile,
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = "0",
            },
            router));
        return new ProxyPair(profile, caddy, router);
    }

    public string Logs => string.Join("\n", _processes.Select((p, i) => $"--- process {i} ---\n{p.Output}"));

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }
        if (_sandboxes is not null)
        {
            await _sandboxes.DisposeAsync();
        }
        _dir?.Delete(recursive: true);
    }
}

/// <summary>Every test that drives the proxies shares one fixture, one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class DifferentialCollection : ICollectionFixture<RouterDifferentialFixture>
{
    public const string Name = "router differential";
}

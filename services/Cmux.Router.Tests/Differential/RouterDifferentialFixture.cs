using System.Net;

namespace Cmux.Router.Tests.Differential;

/// <summary>
/// Debian's Caddy 2.6.2 with the seed's Caddyfile and our router, side by side on loopback, in
/// front of the same sandboxes. Each proxy runs in a private mount namespace whose
/// <c>/etc/resolv.conf</c> names 127.0.0.1, so a name the hosts file lacks fails without any query
/// leaving the machine; Caddy also gets the sandbox host's hosts file as <c>/etc/hosts</c>, while the
/// router reads it through <c>Router:HostsFile</c>.
/// </summary>
public sealed class RouterDifferentialFixture : IAsyncLifetime
{
    private DirectoryInfo? _dir;
    private SandboxBackend? _sandboxes;
    private NamespacedProcess? _caddy;
    private NamespacedProcess? _router;

    public IPEndPoint Caddy { get; private set; } = null!;
    public IPEndPoint Router { get; private set; } = null!;

    /// <summary>services/Cmux.Router/Caddy/seed.Caddyfile, which the router's build puts beside our assembly.</summary>
    public static string Caddyfile => Path.Combine(AppContext.BaseDirectory, "Caddy", "seed.Caddyfile");

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("cmux-router-diff-");
        _sandboxes = await SandboxBackend.StartAsync(_dir.FullName, RouterCases.Vmid);

        var resolvConf = Path.Combine(_dir.FullName, "resolv.conf");
        await File.WriteAllTextAsync(resolvConf, "nameserver 127.0.0.1\n");
        Caddy = NamespacedProcess.FreeLoopbackEndpoint();
        _caddy = await NamespacedProcess.StartAsync($"caddy run --adapter caddyfile --config '{Caddyfile}'",
            [(_sandboxes.HostsFile, "/etc/hosts"), (resolvConf, "/etc/resolv.conf")],
            new Dictionary<string, string>
            {
                ["HOME"] = _dir.FullName,
                ["XDG_CONFIG_HOME"] = _dir.FullName,
                ["XDG_DATA_HOME"] = _dir.FullName,
                ["CADDY_PORT"] = Caddy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            Caddy);

        Router = NamespacedProcess.FreeLoopbackEndpoint();
        _router = await NamespacedProcess.StartAsync($"dotnet '{Path.Combine(AppContext.BaseDirectory, "Cmux.Router.dll")}'",
            [(resolvConf, "/etc/resolv.conf")],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://{Router}",
                ["Router__HostsFile"] = _sandboxes.HostsFile,
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = "0",
            },
            Router);
    }

    public string Logs => $"--- caddy ---\n{_caddy?.Output}\n--- router ---\n{_router?.Output}";

    public async Task DisposeAsync()
    {
        foreach (var process in new[] { _router, _caddy })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
        if (_sandboxes is not null)
        {
            await _sandboxes.DisposeAsync();
        }
        _dir?.Delete(recursive: true);
    }
}

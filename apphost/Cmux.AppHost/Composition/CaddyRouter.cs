using System.Diagnostics;
using Cmux.Contract;
using Cmux.Fakes.Cloudflare;

namespace Cmux.AppHost.Composition;

/// <summary>
/// Debian's Caddy 2.6.2 as the router (<c>Cmux:Router=caddy</c>), running the profile's Caddyfile
/// from services/Cmux.Router/Caddy/ and resolving sandbox names the way Caddy on a PVE host does:
/// from the system resolver. It runs in a private mount namespace whose <c>/etc/hosts</c> is the
/// sandbox host's hosts file (rewritten in place, so the bind mount sees every change) and whose
/// <c>/etc/resolv.conf</c> names 127.0.0.1, so a name the file lacks fails and no query leaves the
/// machine. Its admin API is off, as cmux runs it; its health check is what Caddy answers on the
/// public port for a Host no route claims (404).
/// </summary>
internal static class CaddyRouter
{
    public static IResourceBuilder<ExecutableResource> Add(IDistributedApplicationBuilder builder, CompositionOptions composition,
        string hostsFile, string runDirectory)
    {
        var caddyfile = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "services", "Cmux.Router", "Caddy", $"{composition.Profile}.Caddyfile"));
        if (!File.Exists(caddyfile))
        {
            throw new InvalidOperationException($"Cmux:Router=caddy: the {composition.Profile} profile has no Caddyfile at {caddyfile}");
        }
        var home = Path.Combine(runDirectory, "caddy");
        Directory.CreateDirectory(home);
        var resolvConf = Path.Combine(home, "resolv.conf");
        File.WriteAllText(resolvConf, "nameserver 127.0.0.1\n");
        // The file must exist to be mounted; the sandbox host rewrites it in place when it starts.
        Directory.CreateDirectory(Path.GetDirectoryName(hostsFile)!);
        if (!File.Exists(hostsFile))
        {
            File.WriteAllText(hostsFile, "127.0.0.1 localhost\n");
        }
        var script = $"mount --bind '{hostsFile}' /etc/hosts && mount --bind '{resolvConf}' /etc/resolv.conf"
            + $" && exec caddy run --adapter caddyfile --config '{caddyfile}'";
        return builder.AddExecutable("router", "unshare", home, "-m", "--propagation", "private", "sh", "-c", script)
            .WithHttpEndpoint(env: "CADDY_PORT")
            .WithEnvironment("CADDY_BIND", "127.0.0.1")
            .WithEnvironment("CADDY_SEARCH_DOMAIN", SandboxNames.DefaultSearchDomain)
            .WithEnvironment("CADDY_DOMAIN", FakeAccount.Domain)
            .WithEnvironment("HOME", home)
            .WithEnvironment("XDG_CONFIG_HOME", home)
            .WithEnvironment("XDG_DATA_HOME", home)
            .WithHttpHealthCheck("/", NotFound);
    }

    private const int NotFound = 404;

    /// <summary>What <c>caddy version</c> says (Debian's package: <c>2.6.2</c>); the report names it.</summary>
    public static string Version()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("caddy", "version") { RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException("caddy did not start");
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return output.Split(' ', 2)[0].TrimStart('v');
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Cmux:Router=caddy needs caddy on the PATH (eng/bootstrap.sh installs Debian's 2.6.2)", e);
        }
    }
}

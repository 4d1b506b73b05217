using System.Diagnostics;
using System.Text.Json;

namespace Cmux.Fakes.Pve.Tests.PublishedClient;

/// <summary>
/// The fake driven by a client no one on the project wrote: Debian's <c>python3-proxmoxer</c>
/// runs cmux's PVE flow (<c>proxmoxer_flow.py</c>, ours) over the fake's HTTPS API with an API
/// token, without verifying the certificate as cmux does. Skipped, saying so, where the package
/// is not installed (eng/bootstrap.sh installs it).
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.PveApi)]
public sealed class ProxmoxerFlowTests() : PveFakeTests(["--Pve:Qemu:0:Vmid=200", "--Pve:Qemu:0:Name=desktop"])
{
    [ProxmoxerFact]
    public async Task Proxmoxer_runs_cmuxs_flow_against_the_fake()
    {
        var hostname = "pvelxc-5e1f0a11";
        var start = new ProcessStartInfo(ProxmoxerFactAttribute.Python, [Path.Combine(AppContext.BaseDirectory, "PublishedClient", "proxmoxer_flow.py")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["PVE_HOST"] = Pve.Https.Host,
                ["PVE_PORT"] = $"{Pve.Https.Port}",
                ["PVE_TOKEN_ID"] = PveFakeServer.TokenId,
                ["PVE_TOKEN_SECRET"] = PveFakeServer.TokenSecret,
                ["PVE_TEMPLATE"] = "9000",
                ["PVE_HOSTNAME"] = hostname,
                // No proxy between the client and a fake on loopback.
                ["NO_PROXY"] = "*",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        process.ExitCode.ShouldBe(0, await error);
        var seen = JsonDocument.Parse(await output).RootElement;
        seen.GetProperty("version").GetString().ShouldBe(Cmux.Fakes.Pve.Api.NodeEndpoints.Version);
        seen.GetProperty("nextid").GetInt32().ShouldBe(100);
        Ints(seen, "lxc").ShouldBe([9000]);
        Ints(seen, "qemu").ShouldBe([200]);
        seen.GetProperty("vmid").GetInt32().ShouldBe(201);
        seen.GetProperty("hostname").GetString().ShouldBe(hostname);
        seen.GetProperty("hookscript").GetString().ShouldBe(PveFakeOptions.DefaultHookscript);
        seen.GetProperty("description").GetString().ShouldBe("cloned by proxmoxer\ncmux-conformance");
        seen.GetProperty("after_start").GetString().ShouldBe("running");
        seen.GetProperty("after_stop").GetString().ShouldBe("stopped");
        Ints(seen, "after_delete").ShouldBe([9000]);
    }

    private static int[] Ints(JsonElement seen, string name) => [.. seen.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}

/// <summary>A fact that runs only where Debian's python3-proxmoxer (and requests) import, else is skipped with the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ProxmoxerFactAttribute : FactAttribute
{
    /// <summary>Debian's interpreter: its dist-packages are where apt puts the client (a pyenv shim would not see them).</summary>
    public const string Python = "/usr/bin/python3";

    public ProxmoxerFactAttribute()
    {
        if (!Imports())
        {
            Skip = $"python3-proxmoxer is not installed ({Python} cannot import proxmoxer and requests): run eng/bootstrap.sh, or apt-get install python3-proxmoxer python3-requests";
        }
    }

    private static bool Imports()
    {
        if (!File.Exists(Python))
        {
            return false;
        }
        using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import proxmoxer, requests"]) { RedirectStandardError = true })!;
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0;
    }
}

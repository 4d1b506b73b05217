using System.Net;
using Cmux.Router.Tests.Differential;

namespace Cmux.Router.Tests.Loops;

/// <summary>
/// Forwarding loops, against the router as its own process: a sandbox name that resolves to the
/// router itself, and a loop through a second router. Both must be cut at once with 508, and the
/// router must not grow while they are.
/// </summary>
public sealed class LoopTests
{
    private const int Vmid = 4250;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    private static async Task<RawResponse> GetAsync(RawHttpConnection connection, string host)
    {
        using var cts = new CancellationTokenSource(RequestTimeout);
        return await connection.SendAsync(RawRequest.Of("GET /_cmux/echo?n=1 HTTP/1.1", $"Host: {host}"), cts.Token);
    }

    private static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task A_sandbox_name_that_resolves_to_the_router_is_refused_and_the_router_stays_flat()
    {
        var dir = Directory.CreateTempSubdirectory("cmux-router-loop-");
        try
        {
            var endpoint = LocalProcesses.FreeLoopbackEndpoint();
            var hosts = Path.Combine(dir.FullName, "hosts");
            await File.WriteAllTextAsync(hosts, $"127.0.0.1 cmux-{Vmid}.lan cmux-{Vmid}\n");
            await using var router = await NamespacedProcess.StartAsync(NamespacedProcess.RouterCommand, [],
                new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = $"http://{endpoint}",
                    ["Router__HostsFile"] = hosts,
                    ["Router__HostsFileOnly"] = "true",
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["DOTNET_gcServer"] = "0",
                },
                endpoint);
            var host = $"port-{endpoint.Port}-vm-{Vmid}.example.com";

            await using var connection = await RawHttpConnection.OpenAsync(endpoint, CancellationToken.None);
            for (var i = 0; i < 20; i++)
            {
                (await GetAsync(connection, host)).Status.ShouldBe(508);
            }
            var files = OpenFiles(router.Pid);
            var resident = ResidentBytes(router.Pid);

            for (var i = 0; i < 300; i++)
            {
                var response = await GetAsync(connection, host);
                response.Status.ShouldBe(508, router.Output);
                response.BodyText.ShouldContain("own listener");
            }

            // Before the guard one such request took the router from 247 to 19,999 descriptors and
            // 96 to 689 MB; a few descriptors and megabytes either way are the runtime's own.
            OpenFiles(router.Pid).ShouldBeLessThan(files + 16, router.Output);
            (ResidentBytes(router.Pid) - resident).ShouldBeLessThan(48L << 20, router.Output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task A_loop_through_another_router_is_cut_within_one_hop()
    {
        var dir = Directory.CreateTempSubdirectory("cmux-router-loop2-");
        try
        {
            // Two routers on one port of two loopback addresses, each sending the sandbox's name to
            // the other: neither is its own upstream, so only the Via mark can see the loop.
            var port = LocalProcesses.FreeLoopbackEndpoint().Port;
            var first = new IPEndPoint(IPAddress.Parse("127.0.0.1"), port);
            var second = new IPEndPoint(IPAddress.Parse("127.0.0.2"), port);
            var firstHosts = Path.Combine(dir.FullName, "first-hosts");
            var secondHosts = Path.Combine(dir.FullName, "second-hosts");
            await File.WriteAllTextAsync(firstHosts, $"{second.Address} cmux-{Vmid}.lan\n");
            await File.WriteAllTextAsync(secondHosts, $"{first.Address} cmux-{Vmid}.lan\n");
            await using var a = await InProcessApp.StartAsync(RouterServices.BuildRouter, $"--urls=http://{first}",
                $"--Router:HostsFile={firstHosts}", "--Router:HostsFileOnly=true");
            await using var b = await InProcessApp.StartAsync(RouterServices.BuildRouter, $"--urls=http://{second}",
                $"--Router:HostsFile={secondHosts}", "--Router:HostsFileOnly=true");

            await using var connection = await RawHttpConnection.OpenAsync(first, CancellationToken.None);
            for (var i = 0; i < 50; i++)
            {
                var response = await GetAsync(connection, $"port-{port}-vm-{Vmid}.example.com");
                response.Status.ShouldBe(508);
                response.BodyText.ShouldContain("already went through this router");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

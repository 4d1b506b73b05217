using System.Net;
using Cmux.Contract;
using Cmux.Load.Engine;
using Cmux.Load.Reporting;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.AppHost.Tests;

/// <summary>
/// A few seconds of load through the whole chain (edge with TLS and Access, router, sandbox), with
/// thresholds: the smoke run CI keeps, so the proxy chain cannot quietly stop carrying traffic.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class LoadSmokeStackTests(AppHostStack stack)
{
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_short_run_through_the_edge_holds_its_thresholds()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var edge = stack.Endpoint("edge", "https");
        using var ca = stack.LoadCa();
        using var pve = stack.PveProvider(new DnsEndPoint(edge.Host, edge.Port), ca);
        var sandbox = await pve.CreateAsync(timeout.Token);
        try
        {
            var target = new TargetOptions
            {
                Url = new UriBuilder(pve.UrlFor(sandbox, SandboxPorts.VsCode)) { Port = edge.Port }.Uri,
                ResolveTo = IPAddress.Loopback,
                TrustedCaPemPath = stack.CaPem,
                Headers = [.. pve.AuthHeaders],
            };

            var report = await RunAsync(target, ["fail_rate<1%", "p99<2000ms", "rps>20"], timeout.Token);
            await ReportWriter.WriteAllAsync(report, Path.Combine(RepositoryRoot.Find(), "artifacts", "load", "smoke"));
            report.Passed.ShouldBeTrue(string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => $"{t.Expression}: {t.Actual}")));

            // The same run against a threshold it cannot meet must fail: the smoke run can go red.
            var impossible = await RunAsync(target, ["rps>100000000"], timeout.Token);
            impossible.Passed.ShouldBeFalse();
        }
        finally
        {
            await pve.DeleteAsync(sandbox, CancellationToken.None);
        }
    }

    private static async Task<LoadReport> RunAsync(TargetOptions target, string[] thresholds, CancellationToken ct)
    {
        using var scenario = new ScenarioOptions { Name = "http", Target = target }.Create();
        return await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(4))
        {
            Warmup = TimeSpan.FromSeconds(1),
            Duration = TimeSpan.FromSeconds(3),
            Thresholds = Threshold.ParseAll(thresholds),
        }, progress: null, ct);
    }
}

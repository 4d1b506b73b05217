using System.Net;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Runtime;
using Cmux.Conformance.Probes;
using Cmux.Load.Engine;
using Cmux.Load.Reporting;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// A few seconds of load through the whole chain (edge with TLS and Access, router, sandbox), with
/// thresholds: the smoke run CI keeps, so the proxy chain cannot quietly stop carrying traffic. It
/// rides the suite's PVE sandbox and its route, so it loads exactly the URLs the checks reach.
/// </summary>
public sealed partial class ConformanceSuite
{
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_short_run_through_the_edge_holds_its_thresholds()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var pve = Run.Sessions.Single(s => s.Name == ProviderNames.Pve);
        // The probe serves /_cmux/bytes: the load goes where the suite's checks go, on any template.
        var sandbox = await pve.ProbedSandboxAsync(timeout.Token);
        var route = pve.Provider.Route;
        var url = pve.Provider.UrlFor(sandbox, ProbeDeployer.Ports[0]);
        if (route.ConnectTo is { } to)
        {
            url = new UriBuilder(url) { Port = to.Port }.Uri;
        }
        var target = new TargetOptions
        {
            Url = url,
            ResolveTo = route.ConnectTo is { } at ? (await Dns.GetHostAddressesAsync(at.Host, timeout.Token))[0] : null,
            TrustedCaPemPath = route.TrustedRoots?.File,
            Headers = [.. pve.Provider.AuthHeaders],
        };

        var report = await RunAsync(target, ["fail_rate<1%", "p99<2000ms", "rps>20"], timeout.Token);
        await ReportWriter.WriteAllAsync(report, Path.Combine(SuiteSettings.RepositoryRoot(), "artifacts", "load", "smoke"));
        report.Passed.ShouldBeTrue(string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => $"{t.Expression}: {t.Actual}")));

        // The same run against a threshold it cannot meet must fail: the smoke run can go red.
        var impossible = await RunAsync(target, ["rps>100000000"], timeout.Token);
        impossible.Passed.ShouldBeFalse();
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

using System.Globalization;
using System.Net;
using Cmux.Conformance.Probes;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Runtime;
using Cmux.Load.Engine;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.Conformance.Cli;

/// <summary>
/// The proxy-throughput scenario through the real chain, for the nightly job: a marked PVE sandbox
/// with the probe in it, an open-model run at a capped rate against the probe's public URL (Access
/// token, connect-to and CA as the checks use them), thresholds judged, the load report beside the
/// conformance report. The sandbox is deleted with the run.
/// </summary>
public static class LoadCommand
{
    public static async Task<bool> RunAsync(ConformanceRun run, LoadSettings settings, TextWriter output, CancellationToken ct)
    {
        var pve = run.Sessions.Single(s => s.Name == ProviderNames.Pve);
        var sandbox = await pve.ProbedSandboxAsync(ct);
        var provider = pve.Provider;
        var route = provider.Route;
        var url = provider.UrlFor(sandbox, ProbeDeployer.Ports[0]);
        var target = new TargetOptions
        {
            Url = route.ConnectTo is { } to ? new UriBuilder(url) { Port = to.Port }.Uri : url,
            ResolveTo = route.ConnectTo is { } at ? (await Dns.GetHostAddressesAsync(at.Host, ct))[0] : null,
            TrustedCaPemPath = route.TrustedRoots?.File,
            Headers = [.. provider.AuthHeaders],
            AllowRemote = true,
        };
        using var scenario = new ScenarioOptions { Name = "http", Target = target, Size = settings.Size }.Create();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Open(settings.Rate))
        {
            Warmup = settings.Warmup,
            Duration = settings.Duration,
            RateCap = settings.Rate,
            MaxRequests = (long)Math.Ceiling(settings.Rate * (settings.Warmup + settings.Duration).TotalSeconds) + 1,
            Thresholds = Threshold.ParseAll(settings.Thresholds),
        }, progress: null, ct);
        var folder = Path.Combine(run.Settings.ReportFolder, "load");
        await Cmux.Load.Reporting.ReportWriter.WriteAllAsync(report, folder);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cmux-conformance: load through {url.Host}: {(report.Passed ? "every threshold held" : "a threshold was breached")}; report in {folder}"));
        foreach (var threshold in report.Thresholds)
        {
            output.WriteLine($"  {(threshold.Passed ? "held    " : "BREACHED")} {threshold.Expression}: {threshold.Actual}");
        }
        return report.Passed;
    }
}

/// <summary>The load run's bounds: a rate cap that is also the offered rate, a short window, thresholds.</summary>
public sealed record LoadSettings(double Rate, TimeSpan Warmup, TimeSpan Duration, int Size, IReadOnlyList<string> Thresholds)
{
    public static readonly LoadSettings Nightly = new(20, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), 1024,
        ["fail_rate<1%", "p99<2000ms"]);
}

using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;
using Cmux.Conformance.Runtime;

namespace Cmux.Conformance.Checks;

/// <summary>
/// What a check's body works with: the provider under test (its driver, its documented answers,
/// a sandbox shared by the run, clients for its URLs), deadlines, the known differences to record,
/// and the run's artifacts folder. Deadlines made here end with the check.
/// </summary>
public sealed class CheckContext : IDisposable
{
    private readonly ProviderSession _session;
    private readonly ReportRecorder _recorder;
    private readonly List<CancellationTokenSource> _deadlines = [];
    private readonly CancellationToken _run;

    internal CheckContext(ConformanceCheck check, ProviderSession session, ReportRecorder recorder, string artifacts, CancellationToken run)
    {
        Check = check;
        _session = session;
        _recorder = recorder;
        ArtifactsFolder = artifacts;
        _run = run;
    }

    public ConformanceCheck Check { get; }

    public ISandboxProvider Provider => _session.Provider;

    public ProviderContract Documented => _session.Provider.Documented;

    /// <summary>Where the check may leave files for a person to look at (screenshots).</summary>
    public string ArtifactsFolder { get; }

    /// <summary>The sandbox most checks share; created on first use, deleted when the run ends.</summary>
    public Task<SandboxHandle> SharedSandboxAsync() => _session.SharedSandboxAsync(Timeout(300));

    /// <summary>The shared sandbox with the suite's probe serving <see cref="Probes.ProbeDeployer.Ports"/>; needs <see cref="Tool.Probe"/>.</summary>
    public Task<SandboxHandle> ProbedSandboxAsync() => _session.ProbedSandboxAsync(Timeout(300));

    /// <summary>A URL of the probe in a sandbox: <paramref name="path"/> on the probe's first port unless another is given.</summary>
    public Uri ProbeUrl(SandboxHandle sandbox, string path, int? port = null) =>
        new(Provider.UrlFor(sandbox, port ?? Probes.ProbeDeployer.Ports[0]), path);

    /// <summary>A sandbox of the check's own; the run deletes it at the end if the check did not.</summary>
    public Task<SandboxHandle> CreateSandboxAsync() => _session.CreateSandboxAsync(Timeout(300));

    /// <summary>A client for the provider's URLs, with its credentials unless <paramref name="authenticated"/> is false.</summary>
    public HttpClient CreateClient(bool authenticated = true) => _session.CreateClient(authenticated);

    /// <summary>One invoker for websockets to the provider's URLs.</summary>
    public HttpMessageInvoker Invoker => _session.Invoker;

    /// <summary>A deadline from now, 120 s unless the step says otherwise; it also ends when the run is stopped.</summary>
    public CancellationToken Timeout(int seconds = 120)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(_run);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        lock (_deadlines)
        {
            _deadlines.Add(deadline);
        }
        return deadline.Token;
    }

    /// <summary>Records what this provider did for a known difference, as measured just now.</summary>
    public void Observe(KnownDifference difference, string measured) => _recorder.Observe(difference, Provider.Name, measured);

    /// <summary>Stops the check as skipped: this environment lacks what it needs.</summary>
    public static void SkipBecause(string reason) => throw new CheckSkippedException(reason);

    public void Dispose()
    {
        lock (_deadlines)
        {
            _deadlines.ForEach(d => d.Dispose());
            _deadlines.Clear();
        }
    }
}

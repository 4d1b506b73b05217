using System.Diagnostics;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;

namespace Cmux.Conformance.Runtime;

/// <summary>
/// One run of the suite over its providers. <see cref="PrepareAsync"/> checks, before anything is
/// created, that every provider can be tested (preflight) and deletes marked leftovers of earlier
/// runs; <see cref="RunAsync"/> runs a check on a provider and records the outcome; disposing deletes
/// everything the run created and writes the report, in which every catalog check appears once per
/// provider. Any driver can use it: xunit does, one test per check × provider, and so does the
/// command line.
/// </summary>
public sealed class ConformanceRun : IAsyncDisposable
{
    public const string Implementation = "cmux PVE provider (LXC + Cloudflare Tunnel + router + execd) vs Morph Cloud";

    /// <summary>A marked sandbox of another run older than this is a leftover; younger, it may belong to a run still going.</summary>
    public static readonly TimeSpan DefaultSweepAge = TimeSpan.FromHours(6);

    private readonly IReadOnlyDictionary<string, ProviderSession> _sessions;
    private readonly Dictionary<string, SandboxLedger> _ledgers = [];

    public ConformanceRun(SuiteSettings settings, IEnumerable<ProviderSession> sessions, SandboxMark mark, IReadOnlyList<ConformanceCheck>? catalog = null)
    {
        Settings = settings;
        Mark = mark;
        _sessions = sessions.ToDictionary(s => s.Name, StringComparer.Ordinal);
        Catalog = catalog ?? CheckCatalog.All;
        Recorder = new ReportRecorder(Catalog, [.. _sessions.Keys]);
        foreach (var name in _sessions.Keys)
        {
            _ledgers[name] = new SandboxLedger();
        }
    }

    public SuiteSettings Settings { get; }

    /// <summary>What this run's sandboxes carry (its id and their creation time).</summary>
    public SandboxMark Mark { get; }

    public IReadOnlyList<ConformanceCheck> Catalog { get; }

    public ReportRecorder Recorder { get; }

    public IReadOnlyCollection<ProviderSession> Sessions => [.. _sessions.Values];

    /// <summary>What the run's stack was composed of (router, execd, profile, ...), for the report; null when not known.</summary>
    public IReadOnlyDictionary<string, string>? Composition { get; init; }

    /// <summary>False for a run that checks nothing (preflight, sweep, load): it must not replace the last report.</summary>
    public bool WritesReport { get; init; } = true;

    /// <summary>The Markdown report once the run has ended.</summary>
    public string? ReportFile { get; private set; }

    /// <summary>
    /// Preflight, then the sweep of earlier runs' leftovers. A provider that fails its preflight
    /// stops the run before anything is created: <see cref="PreflightException"/> lists every problem.
    /// </summary>
    public async Task PrepareAsync(TimeSpan sweepAge, CancellationToken ct)
    {
        var available = _sessions.Values.Where(s => s.UnavailableReason is null).ToList();
        var problems = new List<string>();
        foreach (var session in available)
        {
            problems.AddRange((await session.Provider.PreflightAsync(ct)).Select(p => $"{session.Name}: {p}"));
        }
        if (problems.Count > 0)
        {
            throw new PreflightException(problems);
        }
        var before = Mark.CreatedAt - sweepAge;
        foreach (var session in available)
        {
            var swept = await session.Provider.SweepAsync(m => m.RunId != Mark.RunId && m.CreatedAt < before, ct);
            _ledgers[session.Name].Swept.AddRange(swept);
        }
    }

    public async Task<CheckResult> RunAsync(string provider, string checkName, CancellationToken ct = default)
    {
        var check = Catalog.FirstOrDefault(c => c.ShortName == checkName)
            ?? throw new ArgumentException($"No check '{checkName}' in this run's catalog.", nameof(checkName));
        var session = _sessions.TryGetValue(provider, out var found)
            ? found
            : throw new ArgumentException($"No provider '{provider}' in this run; known: {string.Join(", ", _sessions.Keys)}.", nameof(provider));

        var result = Precondition(check, session) ?? await ExecuteAsync(check, session, ct);
        Recorder.Record(result);
        return result;
    }

    /// <summary>Why the check cannot run here, as its outcome; null when it can.</summary>
    private static CheckResult? Precondition(ConformanceCheck check, ProviderSession session)
    {
        CheckResult Outcome(Outcome outcome, string reason) =>
            new(session.Name, check.Feature, check.ShortName, check.Description, outcome, reason, TimeSpan.Zero);

        if (session.UnavailableReason is { } unavailable)
        {
            return Outcome(Report.Outcome.Skipped, unavailable);
        }
        foreach (var capability in check.Needs)
        {
            var support = session.Provider.Supports(capability);
            switch (support.Level)
            {
                case SupportLevel.NotSupported:
                    return Outcome(Report.Outcome.NotSupported, $"{session.Name} lacks capability '{capability.Name}': {support.Reason}");
                case SupportLevel.Unavailable:
                    return Outcome(Report.Outcome.Skipped, $"capability '{capability.Name}' unavailable in this run: {support.Reason}");
            }
        }
        return check.Tools.FirstOrDefault(t => !t.IsInstalled) is { } missing
            ? Outcome(Report.Outcome.Skipped, $"{missing.Name} is missing ({missing.Path}): {missing.Remedy}")
            : null;
    }

    private async Task<CheckResult> ExecuteAsync(ConformanceCheck check, ProviderSession session, CancellationToken ct)
    {
        using var context = new CheckContext(check, session, Recorder, Settings.ReportFolder, ct);
        var clock = Stopwatch.StartNew();
        CheckResult Outcome(Outcome outcome, string? reason, Exception? error = null) =>
            new(session.Name, check.Feature, check.ShortName, check.Description, outcome, reason, clock.Elapsed) { Error = error };
        try
        {
            await check.Test(context);
            return Outcome(Report.Outcome.Passed, null);
        }
        catch (CheckSkippedException e)
        {
            return Outcome(Report.Outcome.Skipped, e.Message);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            return Outcome(Report.Outcome.NotRun, "not run: the run was stopped while this check ran");
        }
#pragma warning disable CA1031 // A check's failure of any kind is its outcome, reported, not a crash of the run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Outcome(Report.Outcome.Failed, Summary(e.Message), e);
        }
    }

    /// <summary>A failure as the report shows it: its first lines, not an assertion library's whole diff table.</summary>
    private static string Summary(string message)
    {
        var lines = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var text = string.Join(' ', lines.TakeWhile(l => !l.StartsWith("difference", StringComparison.OrdinalIgnoreCase)).Take(6));
        return text.Length <= 600 ? text : text[..600] + "…";
    }

    /// <summary>
    /// Deletes what the run created (and, as a backstop, anything else that carries this run's mark),
    /// then writes the report (JSON and Markdown) to the settings' folder.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        foreach (var session in _sessions.Values)
        {
            Recorder.DescribeProvider(session.Name, session.Describe());
            var ledger = _ledgers[session.Name];
            if (session.UnavailableReason is null)
            {
                ledger.Created.AddRange(session.Created.Select(s => s.Id));
                var (deleted, failures) = await session.DeleteCreatedAsync(cleanup.Token);
                ledger.Deleted.AddRange(deleted);
                ledger.Leftovers.AddRange(failures);
                try
                {
                    ledger.Deleted.AddRange(await session.Provider.SweepAsync(m => m.RunId == Mark.RunId, cleanup.Token));
                }
                catch (Exception e) when (e is ProviderException or HttpRequestException or OperationCanceledException)
                {
                    ledger.Leftovers.Add($"sweeping this run's marked sandboxes failed: {e.Message}");
                }
            }
            await session.DisposeAsync();
        }
        foreach (var (provider, ledger) in _ledgers)
        {
            Recorder.Sandboxes(provider, ledger.Snapshot());
        }
        if (WritesReport)
        {
            var report = Recorder.Build(new RunMetadata(Implementation, SuiteSettings.Commit(), Mark.RunId, Settings.Mode, Settings.Profile, Recorder.StartedAt, DateTimeOffset.UtcNow, Composition));
            var (json, markdown) = await ReportWriter.WriteAsync(report, Settings.ReportFolder);
            ReportFile = markdown;
            Console.WriteLine($"conformance report: {markdown} and {json}");
        }
        foreach (var (provider, ledger) in _ledgers.Where(l => l.Value.Created.Count + l.Value.Swept.Count > 0))
        {
            Console.WriteLine($"conformance: {provider}: created {string.Join(", ", ledger.Created.Distinct())}; deleted {string.Join(", ", ledger.Deleted.Distinct())}; swept {string.Join(", ", ledger.Swept)}");
        }
        foreach (var leftover in _ledgers.Values.SelectMany(l => l.Leftovers))
        {
            Console.Error.WriteLine($"conformance: left behind: {leftover}");
        }
    }

    private sealed class SandboxLedger
    {
        public List<string> Created { get; } = [];
        public List<string> Deleted { get; } = [];
        public List<string> Swept { get; } = [];
        public List<string> Leftovers { get; } = [];

        public SandboxesTouched Snapshot() => new([.. Created.Distinct()], [.. Deleted.Distinct()], [.. Swept], [.. Leftovers]);
    }
}

/// <summary>The run cannot start: every problem, each naming the setting or privilege to fix.</summary>
public sealed class PreflightException(IReadOnlyList<string> problems)
    : Exception("preflight failed, nothing was created:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

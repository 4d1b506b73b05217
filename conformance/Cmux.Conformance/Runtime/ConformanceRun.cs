using System.Diagnostics;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;

namespace Cmux.Conformance.Runtime;

/// <summary>
/// One run of the suite over its providers: runs a check on a provider and records the outcome,
/// and at the end deletes every sandbox it created and writes the report, in which every catalog
/// check appears once per provider. Any driver can use it: xunit does, one test per check × provider.
/// </summary>
public sealed class ConformanceRun : IAsyncDisposable
{
    public const string Implementation = "cmux PVE provider (LXC + Cloudflare Tunnel + router + execd) vs Morph Cloud";

    private readonly IReadOnlyDictionary<string, ProviderSession> _sessions;

    public ConformanceRun(SuiteSettings settings, IEnumerable<ProviderSession> sessions, IReadOnlyList<ConformanceCheck>? catalog = null)
    {
        Settings = settings;
        _sessions = sessions.ToDictionary(s => s.Name, StringComparer.Ordinal);
        Catalog = catalog ?? CheckCatalog.All;
        Recorder = new ReportRecorder(Catalog, [.. _sessions.Keys]);
    }

    public SuiteSettings Settings { get; }

    public IReadOnlyList<ConformanceCheck> Catalog { get; }

    public ReportRecorder Recorder { get; }

    public IReadOnlyCollection<ProviderSession> Sessions => [.. _sessions.Values];

    /// <summary>The Markdown report once the run has ended.</summary>
    public string? ReportFile { get; private set; }

    public async Task<CheckResult> RunAsync(string provider, string checkName)
    {
        var check = Catalog.FirstOrDefault(c => c.ShortName == checkName)
            ?? throw new ArgumentException($"No check '{checkName}' in this run's catalog.", nameof(checkName));
        var session = _sessions.TryGetValue(provider, out var found)
            ? found
            : throw new ArgumentException($"No provider '{provider}' in this run; known: {string.Join(", ", _sessions.Keys)}.", nameof(provider));

        var result = Precondition(check, session) ?? await ExecuteAsync(check, session);
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

    private async Task<CheckResult> ExecuteAsync(ConformanceCheck check, ProviderSession session)
    {
        using var context = new CheckContext(check, session, Recorder, Settings.ReportFolder);
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

    /// <summary>Deletes what the run created, then writes the report (JSON and Markdown) to the settings' folder.</summary>
    public async ValueTask DisposeAsync()
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var leftovers = new List<string>();
        foreach (var session in _sessions.Values)
        {
            Recorder.DescribeProvider(session.Name, session.Describe());
            if (session.UnavailableReason is null)
            {
                leftovers.AddRange(await session.DeleteCreatedAsync(cleanup.Token));
            }
            await session.DisposeAsync();
        }
        var report = Recorder.Build(Implementation, SuiteSettings.Commit(), Settings.Mode, Settings.Profile);
        var (json, markdown) = await ReportWriter.WriteAsync(report, Settings.ReportFolder);
        ReportFile = markdown;
        Console.WriteLine($"conformance report: {markdown} and {json}");
        foreach (var leftover in leftovers)
        {
            Console.Error.WriteLine($"conformance: could not delete {leftover}");
        }
    }
}

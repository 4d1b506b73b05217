using Cmux.Conformance.Report;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// The run's providers and its report. Built once by the stack fixture; when the run ends it
/// deletes every sandbox it created and writes the report (JSON and Markdown).
/// </summary>
public sealed class ConformanceContext(SuiteSettings settings, IReadOnlyDictionary<string, ProviderSession> sessions) : IAsyncDisposable
{
    public ReportRecorder Recorder { get; } = new();

    public SuiteSettings Settings => settings;

    public IReadOnlyDictionary<string, ProviderSession> Sessions => sessions;

    public ProviderSession Session(string provider) =>
        sessions.TryGetValue(provider, out var session)
            ? session
            : throw new InvalidOperationException($"No provider '{provider}' in this run; known: {string.Join(", ", sessions.Keys)}.");

    public async ValueTask DisposeAsync()
    {
        foreach (var session in sessions.Values)
        {
            Recorder.DescribeProvider(session.Name, session.Provider.Describe());
            await session.DisposeAsync();
        }
        var report = Recorder.Build("cmux PVE provider (LXC + Cloudflare Tunnel + router + execd) vs Morph Cloud", settings.Profile, settings.Mode);
        var (json, markdown) = await ReportWriter.WriteAsync(report, settings.ReportFolder);
        Console.WriteLine($"conformance report: {markdown} and {json}");
    }
}

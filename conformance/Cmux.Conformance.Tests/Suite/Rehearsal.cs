using System.Text;
using System.Text.Json;
using Cmux.Conformance.Report;
using Cmux.Conformance.Runtime;
using Cmux.Conformance.Tests.Cli;

namespace Cmux.Conformance.Tests.Suite;

public sealed partial class ConformanceSuite
{
    /// <summary>
    /// The nightly job, rehearsed: the composed stack as a black box, and the suite's command line
    /// in real mode in a process of its own, configured only through real mode's variables (the file the AppHost writes), pointed
    /// at the stack's public endpoints. Its verdicts must equal the fake-mode run's, check for check,
    /// and neither may skip anything. Checks this session did not run in fake mode run here first.
    /// </summary>
    [Fact]
    [Trait(Category.Name, Category.Rehearsal)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task Rehearsal()
    {
        if (suite.Stack is null)
        {
            throw new SkipException("real mode: there is no fake stack to rehearse against");
        }
        foreach (var provider in Run.Sessions.Select(s => s.Name))
        {
            foreach (var check in Run.Catalog.Where(c => Run.Recorder.Result(provider, c.ShortName) is null))
            {
                await Run.RunAsync(provider, check.ShortName);
            }
        }

        var reports = Path.Combine(Run.Settings.ReportFolder, "rehearsal");
        // Only the AppHost's real-mode.env configures its endpoints, as it does the dashboard's "Run conformance
        // suite"; the vmids are this run's (CI runs stacks side by side, each on its own range).
        var variables = new Dictionary<string, string>
        {
            ["CMUX_CONFIG"] = await suite.Stack.RealModeSettingsAsync(),
            ["CMUX_REPORT_DIR"] = reports,
            ["CMUX_PVE_FIRST_VMID"] = RealProviders.FirstVmid().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var cli = CommandLineProcess.Start(variables, "run");
        var exit = await cli.ExitCodeAsync(TimeSpan.FromMinutes(8));

        var real = JsonSerializer.Deserialize<ConformanceReport>(await File.ReadAllTextAsync(Path.Combine(reports, ReportWriter.JsonFile)), ReportWriter.JsonOptions)!;
        var table = new StringBuilder("| provider | check | fake mode | real mode (rehearsal) |\n|---|---|---|---|\n");
        var mismatches = new List<string>();
        foreach (var r in real.Results)
        {
            var fake = Run.Recorder.Result(r.Provider, r.Check)!;
            table.Append($"| {r.Provider} | {r.Check} | {ReportWriter.Name(fake.Outcome)} | {ReportWriter.Name(r.Outcome)} |\n");
            if (fake.Outcome != r.Outcome)
            {
                mismatches.Add($"{r.Provider} {r.Check}: fake {ReportWriter.Name(fake.Outcome)} ({fake.Reason}), real {ReportWriter.Name(r.Outcome)} ({r.Reason})");
            }
        }
        await File.WriteAllTextAsync(Path.Combine(reports, "verdicts.md"), table.ToString());
        output.WriteLine(table.ToString());

        mismatches.ShouldBeEmpty($"the command line exited {exit}:\n{cli.Stdout}\n{cli.Stderr}");
        real.Results.Where(r => r.Outcome == Outcome.Skipped).ShouldBeEmpty("nothing is skipped for want of test endpoints or settings");
        real.Results.Where(r => r.Outcome == Outcome.NotRun).ShouldBeEmpty();
        exit.ShouldBe(real.Results.Any(r => r.Outcome == Outcome.Failed) ? 1 : 0);
        real.Run.Mode.ShouldBe(SuiteSettings.Real);
        real.Sandboxes.Values.ShouldAllBe(s => s.Leftovers.Count == 0 && s.Created.All(id => s.Deleted.Contains(id)));

        // The nightly's load run, briefly: through the same chain, capped, judged, reported beside it.
        using var load = CommandLineProcess.Start(variables, "load", "--rate", "20", "--duration", "3");
        (await load.ExitCodeAsync(TimeSpan.FromMinutes(3))).ShouldBe(0, load.Stdout + load.Stderr);
        File.Exists(Path.Combine(reports, "load", "report.json")).ShouldBeTrue(load.Stdout);
    }
}

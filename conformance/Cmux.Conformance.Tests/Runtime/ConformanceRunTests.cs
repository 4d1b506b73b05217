using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;
using Cmux.Conformance.Runtime;
using Cmux.Conformance.Tests.Report;

namespace Cmux.Conformance.Tests.Runtime;

/// <summary>The runner: outcomes by precondition, by what the body did, and a report that lists every check once per provider.</summary>
public sealed class ConformanceRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-report-").FullName;

    private SuiteSettings Settings => new(SuiteSettings.Fakes, "seed", _folder);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_run_of_only_the_exec_checks_reports_every_other_check_as_not_run_and_validates_against_the_schema()
    {
        var run = new ConformanceRun(Settings, ProviderNames.All.Select(n => new ProviderSession(new LocalProvider(n))), SandboxMark.NewRun());
        var exec = CheckCatalog.All.Where(c => c.Feature == Features.Exec).ToList();
        foreach (var provider in ProviderNames.All)
        {
            foreach (var check in exec)
            {
                var result = await run.RunAsync(provider, check.ShortName);
                result.Outcome.ShouldBe(Outcome.Passed, $"{provider} {check.ShortName}: {result.Reason}");
            }
        }
        await run.DisposeAsync();

        var json = await File.ReadAllTextAsync(Path.Combine(_folder, ReportWriter.JsonFile));
        ReportSchema.Errors(json).ShouldBeEmpty();
        var report = JsonSerializer.Deserialize<ConformanceReport>(json, ReportWriter.JsonOptions)!;
        report.Results.Count.ShouldBe(CheckCatalog.All.Count * ProviderNames.All.Count);
        report.Results.Select(r => (r.Provider, r.Check)).ShouldBeUnique();
        foreach (var result in report.Results)
        {
            var expected = result.Feature == Features.Exec ? Outcome.Passed : Outcome.NotRun;
            result.Outcome.ShouldBe(expected, $"{result.Provider} {result.Check}");
        }
        report.Summary.ShouldAllBe(s => s.Passed == exec.Count && s.NotRun == CheckCatalog.All.Count - exec.Count);
        report.Differences.Single(d => d.Name == "exec-timeout").ByProvider.Values.ShouldAllBe(v => v.StartsWith("exit code 124", StringComparison.Ordinal));
        report.Differences.Single(d => d.Name == "stop").ByProvider.Values.ShouldAllBe(v => v == KnownDifferences.NotMeasured);
        report.Run.Commit.ShouldNotBeNullOrWhiteSpace();
        File.ReadAllText(Path.Combine(_folder, ReportWriter.MarkdownFile)).ShouldContain("| pve | url-pattern | url-pattern-per-port | not-run |");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task Preconditions_and_bodies_decide_the_outcome_and_its_reason()
    {
        var lacks = new Capability("lacked", "a capability the provider lacks");
        ConformanceCheck Check(string name, Func<CheckContext, Task> body, Capability[]? needs = null, Tool[]? tools = null) => new()
        {
            ShortName = name, Feature = Features.Exec, Description = name, Needs = needs ?? [], Tools = tools ?? [], Test = body,
        };
        var catalog = new[]
        {
            Check("passes", _ => Task.CompletedTask),
            Check("fails", _ => throw new InvalidOperationException("it broke")),
            Check("skips-itself", _ => { CheckContext.SkipBecause("no widget here"); return Task.CompletedTask; }),
            Check("needs-a-capability", _ => Task.CompletedTask, needs: [lacks]),
            Check("needs-a-tool", _ => Task.CompletedTask, tools: [new Tool("nothing", "/nonexistent/tool", "install it")]),
        };
        await using var run = new ConformanceRun(Settings,
            [new ProviderSession(new LocalProvider("pve")), ProviderSession.Unavailable("morph", "no Morph API key")], SandboxMark.NewRun(), catalog);

        async Task<CheckResult> On(string provider, string check) => await run.RunAsync(provider, check);
        (await On("pve", "passes")).Outcome.ShouldBe(Outcome.Passed);
        var failed = await On("pve", "fails");
        failed.Outcome.ShouldBe(Outcome.Failed);
        failed.Reason.ShouldBe("it broke");
        failed.Error.ShouldBeOfType<InvalidOperationException>();
        (await On("pve", "skips-itself")).ShouldSatisfyAllConditions(r => r.Outcome.ShouldBe(Outcome.Skipped), r => r.Reason.ShouldBe("no widget here"));
        (await On("pve", "needs-a-capability")).ShouldSatisfyAllConditions(
            r => r.Outcome.ShouldBe(Outcome.NotSupported), r => r.Reason!.ShouldContain("lacked"));
        (await On("pve", "needs-a-tool")).ShouldSatisfyAllConditions(
            r => r.Outcome.ShouldBe(Outcome.Skipped), r => r.Reason!.ShouldContain("/nonexistent/tool"));
        (await On("morph", "passes")).ShouldSatisfyAllConditions(r => r.Outcome.ShouldBe(Outcome.Skipped), r => r.Reason.ShouldBe("no Morph API key"));
        await Should.ThrowAsync<ArgumentException>(() => On("nowhere", "passes"));
        await Should.ThrowAsync<ArgumentException>(() => On("pve", "no-such-check"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

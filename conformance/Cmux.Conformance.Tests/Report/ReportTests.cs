using Cmux.Conformance.Checks;
using Cmux.Conformance.Report;

namespace Cmux.Conformance.Tests.Report;

public sealed class ReportTests
{
    private static ReportRecorder Recorder() => new(CheckCatalog.All, ["pve", "morph"]);

    private static RunMetadata Run(string commit, string mode) =>
        new("impl", commit, "20261201120000-abcdef", mode, "seed", DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void Every_outcome_validates_against_the_shipped_schema_and_the_schema_refuses_a_broken_report()
    {
        var recorder = Recorder();
        var outcomes = Enum.GetValues<Outcome>();
        foreach (var (check, i) in CheckCatalog.All.Take(outcomes.Length).Select((c, i) => (c, i)))
        {
            var outcome = outcomes[i];
            recorder.Record(new CheckResult("pve", check.Feature, check.ShortName, check.Description, outcome,
                outcome == Outcome.Passed ? null : $"because {outcome}", TimeSpan.FromMilliseconds(12)));
        }
        recorder.Observe(KnownDifferences.Stop, "pve", "halts it");
        var json = ReportWriter.ToJson(recorder.Build(Run("abc123", "fakes")));
        ReportSchema.Errors(json).ShouldBeEmpty();
        json.ShouldContain("\"not-supported\"");
        json.ShouldContain("\"not-run\"");

        ReportSchema.Errors(json.Replace("\"not-run\"", "\"ignored\"", StringComparison.Ordinal)).ShouldNotBeEmpty();
        ReportSchema.Errors(json.Replace("\"schemaVersion\": \"1.0\"", "\"schemaVersion\": \"0.9\"", StringComparison.Ordinal)).ShouldNotBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void A_difference_nobody_measured_says_not_measured_and_unknown_ones_are_refused()
    {
        var recorder = Recorder();
        recorder.Observe(KnownDifferences.TimeToReady, "morph", "1.20 s");
        var report = recorder.Build(Run("abc", "fakes"));
        var ready = report.Differences.Single(d => d.Name == KnownDifferences.TimeToReady.Name);
        ready.ByProvider["morph"].ShouldBe("1.20 s");
        ready.ByProvider["pve"].ShouldBe(KnownDifferences.NotMeasured);
        report.Differences.Count.ShouldBe(KnownDifferences.All.Count);
        Should.Throw<ArgumentException>(() => recorder.Observe(new KnownDifference("made-up", "?"), "pve", "x"));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void Endpoints_lose_credentials_and_queries_and_foreign_results_are_refused()
    {
        var recorder = Recorder();
        recorder.DescribeProvider("pve", new Dictionary<string, string>
        {
            ["api"] = "https://root:hunter2@pve.example.test:8006/api2/json?token=s3cret",
            ["node"] = "pve",
        });
        var described = recorder.Build(Run("abc", "real")).Providers["pve"];
        described["api"].ShouldBe("https://pve.example.test:8006/api2/json");
        described["node"].ShouldBe("pve");
        Should.Throw<ArgumentException>(() => recorder.Record(new CheckResult("qemu", "exec", "exec-stdout", "", Outcome.Passed, null, TimeSpan.Zero)));
    }
}

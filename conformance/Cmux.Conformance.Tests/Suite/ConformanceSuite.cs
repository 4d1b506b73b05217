using System.Runtime.ExceptionServices;
using Cmux.Conformance.Report;
using Cmux.Conformance.Runtime;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// The conformance suite under <c>dotnet test</c>: one test per check × provider (see
/// <see cref="EveryCheckAttribute"/>), each run by the library's runner, which records it in the
/// report. A failed check fails its test with the check's own error; a skipped or not-supported
/// check is a skipped test with the reason; none is reported as passed. The load smoke run and the
/// rehearsal come after the checks (<see cref="SuiteOrder"/>): the rehearsal compares with them.
/// </summary>
[Collection(SuiteCollection.Name)]
[TestCaseOrderer("Cmux.Conformance.Tests.Suite.SuiteOrder", "Cmux.Conformance.Tests")]
public sealed partial class ConformanceSuite(SuiteFixture suite, Xunit.Abstractions.ITestOutputHelper output)
{
    private ConformanceRun Run => suite.Run;

    [EveryCheck]
    public async Task Check(string provider, string check)
    {
        var result = await Run.RunAsync(provider, check);
        switch (result.Outcome)
        {
            case Outcome.Passed:
                return;
            case Outcome.Failed when result.Error is { } error:
                ExceptionDispatchInfo.Capture(error).Throw();
                break;
            case Outcome.Skipped or Outcome.NotSupported:
                throw new SkipException($"{ReportWriter.Name(result.Outcome)}: {result.Reason}");
        }
        throw new InvalidOperationException($"{provider} {check}: {ReportWriter.Name(result.Outcome)} ({result.Reason})");
    }
}

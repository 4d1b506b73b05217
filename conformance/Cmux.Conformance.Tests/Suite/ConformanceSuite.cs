using System.Runtime.ExceptionServices;
using Cmux.Conformance.Report;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// The conformance suite under <c>dotnet test</c>: one test per check × provider (see
/// <see cref="EveryCheckAttribute"/>), each run by the library's runner, which records it in the
/// report. A failed check fails its test with the check's own error; a skipped or not-supported
/// check is a skipped test with the reason; none is reported as passed.
/// </summary>
[Collection(SuiteCollection.Name)]
public sealed class ConformanceSuite(SuiteFixture suite)
{
    [EveryCheck]
    public async Task Check(string provider, string check)
    {
        var result = await suite.Run.RunAsync(provider, check);
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

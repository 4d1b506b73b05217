using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// Runs the suite's tests in the report's order: every check × provider (provider, then catalog
/// order), then the other tests of the class by name, the rehearsal last, since it compares
/// its real-mode run with the checks' outcomes.
/// </summary>
public sealed class SuiteOrder : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => Rank(t)).ThenBy(t => t.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCase test) => test switch
    {
        CheckTestCase check => ProviderNames.All.ToList().IndexOf(check.Provider) * 1000 + CheckCatalog.All.ToList().IndexOf(check.Check),
        _ when test.TestMethod.Method.Name == nameof(ConformanceSuite.Rehearsal) => int.MaxValue,
        _ => int.MaxValue - 1,
    };
}

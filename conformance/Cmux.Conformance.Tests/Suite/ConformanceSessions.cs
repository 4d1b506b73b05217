using Cmux.Conformance.Tests.Infrastructure;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>Builds the run's provider sessions from the settings: the fakes of the stack, or real endpoints.</summary>
public static class ConformanceSessions
{
    public static ConformanceContext Create(SuiteSettings settings, StackFixture stack)
    {
        _ = stack;
        throw new NotImplementedException($"providers are wired at integration ({settings.Mode})");
    }
}

using Cmux.Conformance.Tests.Suite;

namespace Cmux.Conformance.Tests.Infrastructure;

/// <summary>The composed stack the suite runs against (fake mode), with the suite's run over it.</summary>
public sealed class StackFixture : CmuxStack<Projects.Cmux_AppHost>
{
    public static readonly TimeSpan EdgeWebSocketIdleTimeout = CmuxRun.EdgeWebSocketIdleTimeout;

    private ConformanceContext? _conformance;

    /// <summary>The conformance run over this stack (fake mode) or the real endpoints (real mode); built on first use.</summary>
    public ConformanceContext Conformance => _conformance ??= ConformanceSessions.Create(SuiteSettings.Load(), this);

    public override async Task DisposeAsync()
    {
        if (_conformance is not null)
        {
            await _conformance.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>
/// Every test that needs the composed stack joins this collection, so the AppHost starts once. It runs
/// alone, after the unit collections: its checks time sandboxes and carry load through the chain, and
/// on two cores a differential run starting Caddy beside them would make those numbers noise.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}

namespace Cmux.Conformance.Tests.Infrastructure;

/// <summary>The composed stack the suite runs against in fake mode (the suite fixture starts and stops it).</summary>
public sealed class StackFixture : CmuxStack<Projects.Cmux_AppHost>
{
    public static readonly TimeSpan EdgeWebSocketIdleTimeout = CmuxRun.EdgeWebSocketIdleTimeout;
}

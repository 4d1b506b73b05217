using Cmux.Load.Targets;

namespace Cmux.Load.Engine;

/// <summary>
/// A scenario: named steps run in order by each iteration. It owns what its sessions share
/// (an HTTP connection pool); each virtual user gets its own session (a pre-built request, an open
/// websocket) and runs one iteration at a time on it.
/// </summary>
public interface IScenario : IDisposable
{
    string Name { get; }

    IReadOnlyList<string> Steps { get; }

    Target Target { get; }

    IScenarioSession CreateSession();
}

/// <summary>One virtual user's state; runs an iteration by measuring each step through the user.</summary>
public interface IScenarioSession : IAsyncDisposable
{
    ValueTask RunIterationAsync(VirtualUser user);
}

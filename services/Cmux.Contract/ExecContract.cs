namespace Cmux.Contract;

/// <summary>Exit codes every execd profile reports (docs/contracts.md §4).</summary>
public static class ExecContract
{
    /// <summary>A command stopped because it outlived its timeout, as coreutils' <c>timeout</c> reports it.</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>The client went away before the command ended (cmux profile).</summary>
    public const int ClientGoneExitCode = 1;

    /// <summary>The shell could not be started.</summary>
    public const int SpawnFailureExitCode = 127;

    /// <summary>The longest request body execd reads.</summary>
    public const int MaxRequestBytes = 1024 * 1024;
}

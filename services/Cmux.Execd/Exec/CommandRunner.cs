using Cmux.Contract;

namespace Cmux.Execd.Exec;

/// <summary>
/// What to run: a <c>/bin/bash -c</c> command line, where, with what environment (complete: the
/// command sees exactly this), for how long, how long to go on reading output once the shell has
/// exited (<paramref name="WaitDelay"/>), whether what it leaves running in its group outlives it
/// (<paramref name="KeepBackground"/>, Go's behaviour), and how a death by signal is reported
/// (<paramref name="SignalExitCode"/>: Go's -1, or the shell's 128+N when null).
/// </summary>
public sealed record CommandSpec(
    string Command,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan? Timeout,
    TimeSpan WaitDelay,
    bool KeepBackground = false,
    int? SignalExitCode = null,
    string? TimeoutText = null);

public enum OutputStream
{
    Stdout,
    Stderr,
}

public enum Termination
{
    Exited,
    TimedOut,
    Canceled,
    SpawnFailed,
}

/// <summary>How a command ended; <see cref="Error"/> says why when it did not simply exit.</summary>
public sealed record CommandResult(int ExitCode, Termination Termination, string? Error = null);

/// <summary>
/// Runs one command in its own session and process group, started by one <c>posix_spawn</c>
/// (<see cref="NativeSpawn"/>). A timeout or a client that goes away kills the whole group; so does
/// the end of the command unless the spec keeps background children. Output is handed to
/// <c>onOutput</c> chunk by chunk as it arrives, from the command's I/O thread (<see cref="CommandIo"/>).
/// </summary>
public sealed class CommandRunner
{
    private const string Shell = "/bin/bash";

    // How long a request's own (pool) thread pumps a command before a thread of its own takes over.
    private static readonly TimeSpan InlineBudget = TimeSpan.FromMilliseconds(20);

    public async Task<CommandResult> RunAsync(
        CommandSpec spec,
        Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput,
        CancellationToken aborted)
    {
        var environment = new string[spec.Environment.Count];
        var n = 0;
        foreach (var (name, value) in spec.Environment)
        {
            environment[n++] = string.Concat(name, "=", value);
        }
        var (pid, stdout, stderr, errno) = NativeSpawn.Spawn(Shell, [Shell, "-c", spec.Command], environment, spec.WorkingDirectory);
        if (errno != 0)
        {
            return new CommandResult(ExecContract.SpawnFailureExitCode, Termination.SpawnFailed, $"spawn failed: fork/exec {Shell}: {NativeSpawn.Describe(errno)}");
        }

        var io = new CommandIo(pid, stdout, stderr, onOutput);
        io.Start(InlineBudget);
        var termination = Termination.Exited;
        if (!io.Exited.IsCompleted)
        {
            using var timeout = spec.Timeout is { } limit ? new CancellationTokenSource(limit) : null;
            using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
            try
            {
                await io.Exited.WaitAsync(linked?.Token ?? aborted);
            }
            catch (OperationCanceledException)
            {
                termination = timeout?.IsCancellationRequested == true ? Termination.TimedOut : Termination.Canceled;
            }
        }

        if (termination != Termination.Exited || !spec.KeepBackground)
        {
            ProcessGroup.Kill(pid);
        }
        var status = await io.Exited;
        await DrainAsync(io, spec.WaitDelay);

        return termination switch
        {
            Termination.TimedOut => new CommandResult(ExecContract.TimeoutExitCode, termination, spec.TimeoutText ?? $"timeout after {(long)spec.Timeout!.Value.TotalMilliseconds}ms"),
            Termination.Canceled => new CommandResult(ExecContract.ClientGoneExitCode, termination, "request canceled by client"),
            _ when status < 0 => new CommandResult(ExecContract.ClientGoneExitCode, termination, $"wait failed: {NativeSpawn.Describe(-status)}"),
            _ => new CommandResult(ExitCode(status, spec.SignalExitCode), termination),
        };
    }

    /// <summary>A wait status as an exit code: the code, or for a death by signal N either the given code or the shell's 128+N.</summary>
    private static int ExitCode(int status, int? signalExitCode)
    {
        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : signalExitCode ?? 128 + signal;
    }

    /// <summary>
    /// The pipes reach EOF once every process holding them has gone. One that left the group (its
    /// own <c>setsid</c>), or a background child the spec keeps, may hold them for ever: after
    /// <paramref name="waitDelay"/> the readers stop and the pipes are closed, so execd neither
    /// waits nor keeps reading (and burning CPU) for it.
    /// </summary>
    private static async Task DrainAsync(CommandIo io, TimeSpan waitDelay)
    {
        if (io.Drained.IsCompleted)
        {
            await io.Drained;
            return;
        }
        try
        {
            await io.Drained.WaitAsync(waitDelay);
        }
        catch (TimeoutException)
        {
            io.StopReading();
            await io.Drained;
        }
    }
}

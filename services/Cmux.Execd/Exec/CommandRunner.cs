using System.IO.Pipes;
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
/// <c>onOutput</c> chunk by chunk as it arrives, from two concurrent readers (one per stream).
/// </summary>
public sealed class CommandRunner
{
    private const string Shell = "/bin/bash";
    private const int ChunkSize = 16 * 1024;

    public async Task<CommandResult> RunAsync(
        CommandSpec spec,
        Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput,
        CancellationToken aborted)
    {
        var environment = spec.Environment.Select(v => $"{v.Key}={v.Value}").ToArray();
        var (pid, stdoutHandle, stderrHandle, errno) = NativeSpawn.Spawn(Shell, [Shell, "-c", spec.Command], environment, spec.WorkingDirectory);
        if (errno != 0)
        {
            return new CommandResult(ExecContract.SpawnFailureExitCode, Termination.SpawnFailed, $"spawn failed: fork/exec {Shell}: {NativeSpawn.Describe(errno)}");
        }

        // One blocking waitpid per command, on a thread of its own: execd reaps exactly its own children.
        var exited = Task.Factory.StartNew(() => NativeSpawn.Wait(pid), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var stopReading = new CancellationTokenSource();
        var pumps = Task.WhenAll(
            PumpAsync(new AnonymousPipeClientStream(PipeDirection.In, stdoutHandle!), OutputStream.Stdout, onOutput, stopReading.Token),
            PumpAsync(new AnonymousPipeClientStream(PipeDirection.In, stderrHandle!), OutputStream.Stderr, onOutput, stopReading.Token));

        using var timeout = spec.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
        var termination = Termination.Exited;
        try
        {
            await exited.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            termination = timeout.IsCancellationRequested ? Termination.TimedOut : Termination.Canceled;
        }

        if (termination != Termination.Exited || !spec.KeepBackground)
        {
            ProcessGroup.Kill(pid);
        }
        var status = await exited;
        await DrainAsync(pumps, spec.WaitDelay, stopReading);

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
    private static async Task DrainAsync(Task pumps, TimeSpan waitDelay, CancellationTokenSource stopReading)
    {
        try
        {
            await pumps.WaitAsync(waitDelay);
        }
        catch (TimeoutException)
        {
            await stopReading.CancelAsync();
            await pumps;
        }
    }

    private static async Task PumpAsync(
        Stream source, OutputStream stream, Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput, CancellationToken stop)
    {
        var buffer = new byte[ChunkSize];
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, stop)) > 0)
            {
                await onOutput(stream, buffer.AsMemory(0, read));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // WaitDelay is over; what is still unread is dropped with the pipe.
        }
        finally
        {
            await source.DisposeAsync();
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using Cmux.Contract;

namespace Cmux.Execd.Exec;

/// <summary>
/// What to run: a <c>/bin/bash -c</c> command line, where, with what environment (complete: the
/// command sees exactly this), for how long, and how long to go on reading output once the shell
/// has exited (<paramref name="WaitDelay"/>).
/// </summary>
public sealed record CommandSpec(
    string Command,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan? Timeout,
    TimeSpan WaitDelay);

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
/// Runs one command in its own session and process group (<c>setsid</c>), so a timeout, a client
/// that goes away, or the end of the command kills every process it started: nothing outlives
/// the request. Output is handed to <c>onOutput</c> chunk by chunk as it arrives, from two
/// concurrent readers (one per stream).
/// </summary>
public sealed class CommandRunner
{
    private const int ChunkSize = 16 * 1024;

    public async Task<CommandResult> RunAsync(
        CommandSpec spec,
        Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput,
        CancellationToken aborted)
    {
        var startInfo = new ProcessStartInfo("setsid")
        {
            ArgumentList = { "/bin/bash", "-c", spec.Command },
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.Environment.Clear();
        foreach (var (name, value) in spec.Environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new CommandResult(ExecContract.SpawnFailureExitCode, Termination.SpawnFailed, $"failed to start /bin/bash: {e.Message}");
        }

        // Commands read EOF, never execd's own stdin.
        process.StandardInput.Close();
        using var stopReading = new CancellationTokenSource();
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, OutputStream.Stdout, onOutput, stopReading.Token),
            PumpAsync(process.StandardError.BaseStream, OutputStream.Stderr, onOutput, stopReading.Token));

        using var timeout = spec.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
        var termination = Termination.Exited;
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            termination = timeout.IsCancellationRequested ? Termination.TimedOut : Termination.Canceled;
        }

        // Also reaps what the command left running in the background.
        ProcessGroup.Kill(process.Id);
        await process.WaitForExitAsync(CancellationToken.None);
        await DrainAsync(pumps, spec.WaitDelay, stopReading);

        return termination switch
        {
            Termination.TimedOut => new CommandResult(ExecContract.TimeoutExitCode, termination, $"timeout after {(long)spec.Timeout!.Value.TotalMilliseconds}ms"),
            Termination.Canceled => new CommandResult(ExecContract.ClientGoneExitCode, termination, "request canceled by client"),
            _ => new CommandResult(process.ExitCode, termination),
        };
    }

    /// <summary>
    /// The pipes reach EOF once every process holding them has gone. One that left the group (its
    /// own <c>setsid</c>) may hold them forever: after <paramref name="waitDelay"/> the readers stop
    /// and the pipes are closed, so execd neither waits nor keeps reading (and burning CPU) for it.
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

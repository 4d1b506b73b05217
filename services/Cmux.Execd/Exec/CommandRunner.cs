using System.ComponentModel;
using System.Diagnostics;
using Cmux.Contract;

namespace Cmux.Execd.Exec;

/// <summary>What to run: a <c>/bin/bash -c</c> command line, where, with what environment, for how long.</summary>
public sealed record CommandSpec(
    string Command,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan? Timeout);

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
/// the request. Output is handed to <paramref name="onOutput"/> chunk by chunk as it arrives, from
/// two concurrent readers (one per stream).
/// </summary>
public sealed class CommandRunner
{
    private const int ChunkSize = 16 * 1024;
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

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
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, OutputStream.Stdout, onOutput),
            PumpAsync(process.StandardError.BaseStream, OutputStream.Stderr, onOutput));

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
        try
        {
            await pumps.WaitAsync(DrainGrace, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            // A process that left the group (its own setsid) still holds the pipes; answer anyway.
        }

        return termination switch
        {
            Termination.TimedOut => new CommandResult(ExecContract.TimeoutExitCode, termination, $"timeout after {(long)spec.Timeout!.Value.TotalMilliseconds}ms"),
            Termination.Canceled => new CommandResult(ExecContract.ClientGoneExitCode, termination, "request canceled by client"),
            _ => new CommandResult(process.ExitCode, termination),
        };
    }

    private static async Task PumpAsync(Stream source, OutputStream stream, Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await source.ReadAsync(buffer)) > 0)
        {
            await onOutput(stream, buffer.AsMemory(0, read));
        }
    }
}

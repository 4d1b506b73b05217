using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cmux.Fakes.Sandbox.Processes;

/// <summary>
/// Starts every child process of the host under <c>setpriv --pdeathsig KILL</c>, so a crashed or
/// killed host leaves no orphan. The kernel sends that signal when the <em>thread</em> that forked
/// the child ends, so all forks happen on one thread that lives as long as the host.
/// </summary>
public sealed class ChildProcessLauncher : IDisposable
{
    private readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> _queue = new();
    private readonly Thread _thread;

    public ChildProcessLauncher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "sandbox child launcher" };
        _thread.Start();
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, to die with this host.</summary>
    public Task<Process> StartAsync(string fileName, IEnumerable<string> arguments, Action<ProcessStartInfo>? configure = null)
    {
        var startInfo = new ProcessStartInfo("setpriv") { UseShellExecute = false };
        foreach (var argument in (string[])["--pdeathsig", "KILL", "--", fileName, .. arguments])
        {
            startInfo.ArgumentList.Add(argument);
        }
        configure?.Invoke(startInfo);
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((startInfo, started));
        return started.Task;
    }

    private void Run()
    {
        foreach (var (startInfo, started) in _queue.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(startInfo)!);
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}

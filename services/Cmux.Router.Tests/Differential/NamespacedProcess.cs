using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cmux.Router.Tests.Differential;

/// <summary>
/// A server process in a private mount namespace, where files are bind-mounted over system ones
/// (<c>/etc/hosts</c>, <c>/etc/resolv.conf</c>) without touching the machine's. Its output is kept
/// for failure messages; disposing kills it and waits for it to exit.
/// </summary>
public sealed class NamespacedProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NamespacedProcess(Process process) => _process = process;

    /// <summary>The server's own process id (unshare and sh exec into it).</summary>
    public int Pid => _process.Id;

    /// <summary>Our router's dll, beside the test assembly, as a command for <see cref="StartAsync"/>.</summary>
    public static string RouterCommand => $"dotnet '{Path.Combine(AppContext.BaseDirectory, "Cmux.Router.dll")}'";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs <paramref name="command"/> (a shell word list, already quoted) with
    /// <paramref name="binds"/> mounted as (file, over) and waits until it accepts TCP on <paramref name="endpoint"/>.</summary>
    public static async Task<NamespacedProcess> StartAsync(string command, IReadOnlyList<(string File, string Over)> binds,
        IReadOnlyDictionary<string, string> environment, IPEndPoint endpoint)
    {
        var mounts = string.Concat(binds.Select(b => $"mount --bind '{b.File}' '{b.Over}' && "));
        var info = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", $"{mounts}exec {command}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new NamespacedProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}"));
        process._process.OutputDataReceived += process.Append;
        process._process.ErrorDataReceived += process.Append;
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        try
        {
            await process.WaitUntilListeningAsync(endpoint);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilListeningAsync(IPEndPoint endpoint)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"exited with {_process.ExitCode} before listening:\n{Output}");
            }
            try
            {
                using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(endpoint);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"not listening on {endpoint} after {StartTimeout}:\n{Output}", e);
            }
        }
    }

    private void Append(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }
        }
    }

    /// <summary>SIGTERM, then waits for the exit, so everything the process logged is in <see cref="Output"/>.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            LocalProcesses.Terminate(_process.Id);
        }
        using var cts = new CancellationTokenSource(StartTimeout);
        await _process.WaitForExitAsync(cts.Token);
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

using System.Diagnostics;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Processes;
using Cmux.Fakes.Sandbox.Services;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// One sandbox: its real execd (a child process, namespaced when the host can) and its in-process
/// services on its own address. Operations on one sandbox run one at a time.
/// </summary>
public sealed class SandboxInstance(int id, string hostname, string? execdProfile, SandboxLayout layout, ExecdLauncher execdLauncher, ChildProcessLauncher launcher, bool testEndpoints)
{
    private readonly SemaphoreSlim _operation = new(1, 1);
    private readonly PauseGate _gate = new();
    private Process? _execd;
    private SandboxServer? _server;

    public int Id { get; } = id;

    public string Hostname { get; } = hostname;

    public SandboxLayout Layout { get; } = layout;

    public SandboxState State { get; private set; } = SandboxState.Created;

    public SandboxInfo Info() => new(Id, Hostname, SandboxAddress.For(Id).ToString(), State, SandboxPorts.All, Layout.Workspace);

    /// <summary>Starts it; <paramref name="environment"/> is its first process's (see <see cref="TokenInit"/>).</summary>
    public Task StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct) => RunAsync(async () =>
    {
        switch (State)
        {
            case SandboxState.Running:
                return;
            case SandboxState.Paused:
                throw new SandboxConflictException($"sandbox {Id} is paused; resume it");
        }
        Directory.CreateDirectory(Layout.Home);
        Directory.CreateDirectory(Layout.Workspace);
        TokenInit.Apply(Layout.Home, environment);
        _execd = await execdLauncher.StartAsync(Layout, Hostname, SandboxAddress.For(Id), execdProfile, ct);
        try
        {
            var context = new SandboxContext(Id, Hostname, SandboxAddress.For(Id), Layout, _gate, StartShellAsync);
            _server = await SandboxServer.StartAsync(context, testEndpoints, ct);
        }
        catch
        {
            await StopProcessesAsync();
            throw;
        }
        State = SandboxState.Running;
    });

    public Task StopAsync() => RunAsync(async () =>
    {
        await StopProcessesAsync();
        if (State != SandboxState.Created)
        {
            State = SandboxState.Stopped;
        }
    });

    public Task PauseAsync() => RunAsync(() =>
    {
        RequireRunning("pause");
        if (State == SandboxState.Running)
        {
            _gate.Close();
            ProcessTree.Signal(_execd!.Id, ProcessTree.SigStop);
            State = SandboxState.Paused;
        }
        return Task.CompletedTask;
    });

    public Task ResumeAsync() => RunAsync(() =>
    {
        RequireRunning("resume");
        if (State == SandboxState.Paused)
        {
            ProcessTree.Signal(_execd!.Id, ProcessTree.SigCont);
            _gate.Open();
            State = SandboxState.Running;
        }
        return Task.CompletedTask;
    });

    private void RequireRunning(string action)
    {
        if (State is not (SandboxState.Running or SandboxState.Paused))
        {
            throw new SandboxConflictException($"cannot {action} sandbox {Id}: it is {State.ToString().ToLowerInvariant()}, not running");
        }
    }

    private async Task StopProcessesAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
        if (_execd is not null)
        {
            // SIGKILL reaches stopped processes too; the PID namespace takes every descendant with it.
            ProcessTree.Signal(_execd.Id, ProcessTree.SigKill);
            await _execd.WaitForExitAsync();
            _execd.Dispose();
            _execd = null;
        }
        _gate.Open();
    }

    /// <summary>An interactive shell in the sandbox, under a pseudo-terminal, for the terminal service.</summary>
    private Task<Process> StartShellAsync()
    {
        const string Shell = "/bin/bash -i";
        var script = new[] { "script", "--quiet", "--flush", "--return", "--command", Shell, "/dev/null" };
        int? init = _execd is null ? null : ProcessTree.WithDescendants(_execd.Id).Skip(1).Select(pid => (int?)pid).FirstOrDefault();
        var isolated = execdLauncher.Isolates && init is not null;
        string[] command = isolated
            ? ["nsenter", "--target", init!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--uts", "--pid", "--wd=/workspace", "--", "env", "HOME=/root", .. script]
            : script;
        return launcher.StartAsync(command[0], command[1..], startInfo =>
        {
            startInfo.RedirectStandardInput = true;
            startInfo.RedirectStandardOutput = true;
            startInfo.Environment["TERM"] = "xterm-256color";
            if (!isolated)
            {
                startInfo.Environment["HOME"] = Layout.Home;
                startInfo.WorkingDirectory = Layout.Workspace;
            }
        });
    }

    private async Task RunAsync(Func<Task> operation)
    {
        await _operation.WaitAsync();
        try
        {
            await operation();
        }
        finally
        {
            _operation.Release();
        }
    }
}

/// <summary>The operation does not fit the sandbox's state (409).</summary>
public sealed class SandboxConflictException(string message) : Exception(message);

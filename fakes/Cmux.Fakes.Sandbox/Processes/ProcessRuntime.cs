using System.Diagnostics;
using System.Net;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Lifecycle;
using Cmux.Fakes.Sandbox.Services;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Processes;

/// <summary>
/// The default runtime (<c>Sandbox:Runtime=process</c>): each sandbox is our real execd as a child
/// process (namespaced when the host can) and the in-process stand-ins, on the sandbox's own
/// loopback address <c>127.1.{id/256}.{id%256}</c>. Nothing is shared between sandboxes.
/// </summary>
public sealed class ProcessRuntime(IOptions<SandboxHostOptions> options, ExecdLauncher execdLauncher, ChildProcessLauncher launcher) : ISandboxRuntime
{
    public string Description =>
        $"process (execd and stand-ins per sandbox on 127.1.x.y; isolation {(execdLauncher.Isolates ? "mount/UTS/PID namespaces" : "none (not root or no unshare)")})";

    public IReadOnlyList<int> Ports => SandboxPorts.All;

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    public ISandboxMachine Create(int id, string hostname, string? execdProfile, SandboxLayout layout) =>
        new ProcessSandbox(id, hostname, execdProfile, layout, execdLauncher, launcher, options.Value.TestEndpoints);
}

/// <summary>One sandbox of the process runtime: its execd child process and its in-process services.</summary>
public sealed class ProcessSandbox(int id, string hostname, string? execdProfile, SandboxLayout layout, ExecdLauncher execdLauncher, ChildProcessLauncher launcher, bool testEndpoints) : ISandboxMachine
{
    private readonly PauseGate _gate = new();
    private Process? _execd;
    private SandboxServer? _server;

    public IPAddress Address { get; } = SandboxAddress.For(id);

    public string Workspace => layout.Workspace;

    public async Task StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        Directory.CreateDirectory(layout.Home);
        Directory.CreateDirectory(layout.Workspace);
        TokenInit.Apply(layout.Home, environment);
        _execd = await execdLauncher.StartAsync(layout, hostname, Address, execdProfile, ct);
        try
        {
            var context = new SandboxContext(id, hostname, Address, layout, _gate, StartShellAsync);
            _server = await SandboxServer.StartAsync(context, testEndpoints, ct);
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    public async Task StopAsync()
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

    public Task PauseAsync()
    {
        _gate.Close();
        ProcessTree.Signal(_execd!.Id, ProcessTree.SigStop);
        return Task.CompletedTask;
    }

    public Task ResumeAsync()
    {
        ProcessTree.Signal(_execd!.Id, ProcessTree.SigCont);
        _gate.Open();
        return Task.CompletedTask;
    }

    public Task RemoveAsync() => StopAsync();

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
                startInfo.Environment["HOME"] = layout.Home;
                startInfo.WorkingDirectory = layout.Workspace;
            }
        });
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Processes;

/// <summary>
/// Starts a sandbox's execd, the real daemon, listening on a unix socket in the sandbox folder
/// (the host's port 39375 forwards to it). As root with <c>unshare</c>, it runs in its own
/// mount, UTS and PID namespaces with the sandbox's home on <c>/root</c>, its workspace on
/// <c>/workspace</c> and its own hostname, as in an LXC container; killing the namespace's first
/// process ends every process in it.
/// </summary>
public sealed class ExecdLauncher(IOptions<SandboxHostOptions> options, ChildProcessLauncher launcher, ILogger<ExecdLauncher> logger)
{
    private const string Unshare = "/usr/bin/unshare";

    // Environment a parent (Aspire, a shell) sets for itself that must not rebind the child.
    private static readonly string[] InheritedBindings =
        // The host's management port is the host's: execd answers its health on its own socket.
        ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "HTTP_PORTS", "HTTPS_PORTS", "DOTNET_URLS", "Management__Port"];

    // Binds the sandbox's folders where an LXC container has them, names the host, then runs execd
    // as its child and waits: the shell stays the namespace's PID 1 and, like a container's init,
    // reaps the orphans commands leave (`nohup x &`), which execd as PID 1 would leave as zombies.
    private const string IsolationScript =
        """mkdir -p /workspace && mount --bind "$1" /root && mount --bind "$2" /workspace && hostname "$3" && shift 3 || exit 1; "$@" & wait $! """;

    private readonly SandboxHostOptions _options = options.Value;

    public bool Isolates { get; } = options.Value.Isolation != "none" && Environment.IsPrivilegedProcess && File.Exists(Unshare);

    public async Task<Process> StartAsync(SandboxLayout layout, string hostname, System.Net.IPAddress address, string? profile, CancellationToken ct)
    {
        File.Delete(layout.ExecdSocket);
        var (execd, execdArguments) = ExecdCommand();
        var home = Isolates ? "/root" : layout.Home;
        var workspace = Isolates ? "/workspace" : layout.Workspace;
        List<string> arguments =
        [
            .. execdArguments,
            $"--urls=http://unix:{layout.ExecdSocket}",
            $"--Execd:Home={home}",
            $"--Execd:Workspace={workspace}",
            $"--Execd:TokenFiles:0={home}/.worker-auth-token",
            .. _options.Execd.Where(setting => profile is null || !setting.Key.Equals("Profile", StringComparison.OrdinalIgnoreCase))
                .Select(setting => $"--Execd:{setting.Key}={setting.Value}"),
            .. profile is null ? Array.Empty<string>() : [$"--Execd:Profile={profile}"],
        ];

        var process = Isolates
            ? await launcher.StartAsync(Unshare,
                ["--mount", "--uts", "--pid", "--fork", "--kill-child=SIGKILL", "--mount-proc", "--propagation", "private",
                 "--", "/bin/sh", "-c", IsolationScript, "sh", layout.Home, layout.Workspace, hostname, execd, .. arguments],
                Configure)
            : await launcher.StartAsync(execd, arguments, Configure);
        KeepLog(process, layout.ExecdLog);
        logger.LogInformation("Sandbox {Hostname}: execd started (pid {Pid}, {Isolation})",
            hostname, process.Id, Isolates ? "mount/UTS/PID namespaces" : "no isolation: not root or no unshare");
        try
        {
            await WaitUntilAnswersAsync(layout.ExecdSocket, process, ct);
        }
        catch
        {
            ProcessTree.Signal(process.Id, ProcessTree.SigKill);
            throw;
        }
        return process;

        void Configure(ProcessStartInfo startInfo)
        {
            foreach (var name in InheritedBindings)
            {
                startInfo.Environment.Remove(name);
            }
            startInfo.Environment["OTEL_SERVICE_NAME"] = $"{hostname}-execd";
            startInfo.Environment["HOME"] = home;
            // Sandboxes here share one network stack, one address each: what a command starts must
            // listen there, where the router and the gateway reach this sandbox (an LXC container
            // has a stack of its own and binds everything).
            startInfo.Environment["CMUX_SANDBOX_ADDRESS"] = address.ToString();
            startInfo.RedirectStandardOutput = true;
            startInfo.RedirectStandardError = true;
        }
    }

    /// <summary>execd's console goes to <c>{sandbox}/execd.log</c>, which the AppHost shows as the sandbox's log in the dashboard.</summary>
    private static void KeepLog(Process process, string file)
    {
        var writer = new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        var open = 2;
        void Write(object? sender, DataReceivedEventArgs e)
        {
            lock (writer)
            {
                if (e.Data is not null)
                {
                    writer.WriteLine(e.Data);
                }
                else if (--open == 0)
                {
                    writer.Dispose();
                }
            }
        }
        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>A client for execd's unix socket.</summary>
    public static SocketsHttpHandler SocketHandler(string socketPath) => new()
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        UseProxy = false,
    };

    private (string FileName, string[] Arguments) ExecdCommand()
    {
        var path = _options.ExecdPath ?? Path.Combine(AppContext.BaseDirectory, "Cmux.Execd");
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [path]);
        }
        return File.Exists(path)
            ? (path, [])
            : throw new FileNotFoundException($"execd not found at {path}: build services/Cmux.Execd or set Sandbox:ExecdPath", path);
    }

    private async Task WaitUntilAnswersAsync(string socketPath, Process process, CancellationToken ct)
    {
        using var http = new HttpClient(SocketHandler(socketPath)) { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < _options.StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"execd exited with code {process.ExitCode} before it answered");
            }
            try
            {
                using var response = await http.GetAsync("http://execd/health", ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
        throw new TimeoutException($"execd did not answer on {socketPath} within {_options.StartTimeout}");
    }
}

/// <summary>Where one sandbox keeps its files: <c>{DataDir}/sandboxes/{id}/{home,workspace,execd.sock}</c>.</summary>
public sealed record SandboxLayout(string Root)
{
    public string Home => Path.Combine(Root, "home");
    public string Workspace => Path.Combine(Root, "workspace");
    public string ExecdSocket => Path.Combine(Root, "execd.sock");

    /// <summary>What execd writes to its console.</summary>
    public string ExecdLog => Path.Combine(Root, "execd.log");

    public static SandboxLayout For(SandboxHostOptions options, int id) => new(Path.Combine(options.DataDir, "sandboxes", id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

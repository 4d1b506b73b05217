using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cmux.AppHost.Tests.Dashboard;

/// <summary>
/// The AppHost as <c>eng/run.sh --dashboard</c> runs it (its own process, the real dashboard, DCP),
/// but on free loopback ports, with the run's files in a folder of its own and the default
/// composition whatever this machine's <c>Cmux__*</c> say. Stopped by SIGTERM, as a terminal's
/// Ctrl+C or a service manager stops it; killed with its whole tree only if a test failed first.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _runDirectory;

    private AppHostProcess(Process process, string runDirectory, Uri dashboard)
    {
        _process = process;
        _runDirectory = runDirectory;
        Dashboard = dashboard;
    }

    public Uri Dashboard { get; }

    public int Id => _process.Id;

    /// <summary>What the AppHost wrote to stdout and stderr so far (DCP's warnings included).</summary>
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

    public static AppHostProcess Start()
    {
        var dashboard = new Uri($"http://127.0.0.1:{LocalProcesses.FreeLoopbackPort()}");
        var runDirectory = Directory.CreateTempSubdirectory("cmux-dashboard-").FullName;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppHostAssembly());
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Cmux__", StringComparison.Ordinal) || k.StartsWith("ASPIRE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        // The launch profile "http" of apphost/Cmux.AppHost, its fixed ports made free ones.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["ASPNETCORE_URLS"] = dashboard.ToString().TrimEnd('/');
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{LocalProcesses.FreeLoopbackPort()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{LocalProcesses.FreeLoopbackPort()}";
        start.Environment["Cmux__RunDirectory"] = runDirectory;
        start.Environment["Cmux__SandboxDirectory"] = Path.Combine(runDirectory, "sandboxes");

        var process = new Process { StartInfo = start };
        var host = new AppHostProcess(process, runDirectory, dashboard);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The login URL with the browser token the AppHost logs, as a user follows it from the terminal.</summary>
    public async Task<Uri> LoginUrlAsync(TimeSpan timeout)
    {
        Match? login = null;
        await Poll.UntilAsync(() => _process.HasExited || (login = LoginLine().Match(Output)).Success,
            "the AppHost logs its dashboard's login URL", timeout);
        if (login is not { Success: true })
        {
            throw new InvalidOperationException($"the AppHost exited ({_process.ExitCode}) before its dashboard started:\n{Output}");
        }
        return new Uri(login.Value);
    }

    /// <summary>
    /// Every process the AppHost started, now: its children, and the tree of DCP, which detaches
    /// (its parent is init) but names the AppHost it serves (<c>--monitor {pid}</c>): the dashboard
    /// and every resource.
    /// </summary>
    public IReadOnlyList<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // Gone while listing.
                }
            }
        }
        var monitor = $"--monitor\0{_process.Id}\0";
        var found = parents.Keys.Where(pid => CommandLine(pid).Contains(monitor, StringComparison.Ordinal)).ToList();
        var frontier = new Queue<int>([_process.Id, .. found]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents.Where(p => p.Value == parent))
            {
                found.Add(pid);
                frontier.Enqueue(pid);
            }
        }
        return found;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM, then the AppHost's exit: it stops every resource and DCP before it ends.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            LocalProcesses.Terminate(_process.Id);
        }
        using var deadline = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the AppHost still runs {StopTimeout} after SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_runDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A sandbox's file still held: the temp folder is cleaned later.
        }
    }

    private static string AppHostAssembly()
    {
        // Built beside this test (eng/build.sh builds the solution): apphost/Cmux.AppHost/bin/{configuration}/{tfm}/.
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        // The AppHost's own metadata names its folder; a project reference's names its .csproj.
        var project = Projects.Cmux_AppHost.ProjectPath;
        if (project.EndsWith(".csproj", StringComparison.Ordinal))
        {
            project = Path.GetDirectoryName(project)!;
        }
        var dll = Path.Combine(project, "bin", tfm.Parent!.Name, tfm.Name, "Cmux.AppHost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built: run eng/build.sh", dll);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [GeneratedRegex(@"https?://[^\s/]+/login\?t=[0-9A-Za-z]+")]
    private static partial Regex LoginLine();

}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cmux.Fakes.Sandbox.Lifecycle;
using Cmux.Fakes.Sandbox.Processes;
using Docker.DotNet;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;

namespace Cmux.Fakes.Sandbox.Docker;

/// <summary>
/// One sandbox of the Docker runtime: a container from the template image, created at its first
/// start (a container's environment is fixed when it is created, and the first start carries it:
/// <c>CMUX_EXECD_AUTH_TOKEN</c>, which the template's init writes to the token file execd requires).
/// Stop and start keep its root filesystem; pause and resume are Docker's (the cgroup freezer);
/// remove deletes the container. Its execd log is a bind mount: the container's <c>/var/log/cmux</c>
/// is <c>{sandbox}/logs</c>, and <c>{sandbox}/execd.log</c> links to execd's, where the AppHost reads it.
/// </summary>
public sealed class DockerSandbox(DockerRuntime runtime, int id, string hostname, string? execdProfile, SandboxLayout layout, ILogger logger) : ISandboxMachine
{
    private IContainer? _container;
    private Dictionary<string, string>? _createdWith;
    private bool _paused;

    public IPAddress? Address { get; private set; }

    /// <summary>execd's workspace in the container (the control API reports paths as the sandbox sees them).</summary>
    public string Workspace => "/workspace";

    public string ContainerName => $"cmux-{runtime.HostKey}-{id}";

    public Task StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct) => EngineAsync(async () =>
    {
        var given = environment is { Count: > 0 } ? new Dictionary<string, string>(environment) : null;
        if (_container is null)
        {
            _container = Build(given);
            _createdWith = given;
        }
        else if (given is not null && !Same(given, _createdWith))
        {
            throw new SandboxConflictException(
                $"sandbox {id}: a container's environment is fixed when it is created; this start asks for other values of {string.Join(", ", given.Keys.Order(StringComparer.Ordinal))}");
        }
        await _container.StartAsync(ct);
        Address = await runtime.AddressOfAsync(_container.Id, ct)
            ?? throw new InvalidOperationException($"container {ContainerName} has no address on {runtime.NetworkName}");
        await WaitUntilListeningAsync(Address, ct);
        logger.LogInformation("Sandbox {Hostname}: container {Container} running at {Address}", hostname, ContainerName, Address);
    });

    public Task StopAsync() => EngineAsync(async () =>
    {
        if (_container is null)
        {
            return;
        }
        await ResumeIfPausedAsync();
        await _container.StopAsync();
    });

    public Task PauseAsync() => EngineAsync(async () =>
    {
        // runc's cgroup-v1 freezer gives up ("unable to freeze") when the container's processes do not
        // all stop within its own retries, which a loaded machine was seen to cause; it thaws the
        // container again, so asking once more is safe.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _container!.PauseAsync();
                break;
            }
            catch (DockerApiException e) when (attempt < FreezeAttempts && e.ResponseBody?.Contains("unable to freeze", StringComparison.Ordinal) == true)
            {
                logger.LogDebug("Sandbox {Hostname}: pause attempt {Attempt} failed ({Reason}); trying again", hostname, attempt, e.ResponseBody.Trim());
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
        _paused = true;
    });

    private const int FreezeAttempts = 3;

    public Task ResumeAsync() => EngineAsync(UnpauseAsync);

    public Task RemoveAsync() => EngineAsync(async () =>
    {
        if (_container is null)
        {
            return;
        }
        await ResumeIfPausedAsync();
        // Testcontainers' dispose stops and removes the container (forced, with its anonymous volumes).
        await _container.DisposeAsync();
        _container = null;
    });

    private async Task UnpauseAsync()
    {
        await _container!.UnpauseAsync();
        _paused = false;
    }

    /// <summary>The engine's refusals as the control API's 500s ("sandbox N failed: …"), not as unhandled errors.</summary>
    private static async Task EngineAsync(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (DockerApiException e)
        {
            throw new InvalidOperationException($"the Docker engine answered {(int)e.StatusCode}: {e.ResponseBody?.Trim()}", e);
        }
    }

    private async Task ResumeIfPausedAsync()
    {
        if (_paused)
        {
            // A frozen container would not see the stop signal; Docker stops a thawed one cleanly.
            await UnpauseAsync();
        }
    }

    private IContainer Build(Dictionary<string, string>? environment)
    {
        var options = runtime.Options;
        var logs = Path.Combine(layout.Root, "logs");
        Directory.CreateDirectory(logs);
        var execdLog = layout.ExecdLog;
        File.Delete(execdLog);
        File.CreateSymbolicLink(execdLog, Path.Combine("logs", "execd.log"));

        // execd's settings as the template's init passes them on: Execd__{Key} in PID 1's environment.
        var settings = options.Execd
            .Where(s => execdProfile is null || !s.Key.Equals("Profile", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(s => $"Execd__{s.Key.Replace(":", "__", StringComparison.Ordinal)}", s => s.Value);
        if (execdProfile is not null)
        {
            settings["Execd__Profile"] = execdProfile;
        }
        foreach (var (name, value) in environment ?? [])
        {
            settings[name] = value;
        }

        return new ContainerBuilder(runtime.Image)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithName(ContainerName)
            .WithHostname(hostname)
            .WithNetwork(runtime.NetworkName)
            .WithNetworkAliases(HostsFile.Names(id, hostname, options.SearchDomain))
            .WithLabel(DockerRuntime.HostLabel, runtime.HostKey)
            .WithLabel(DockerRuntime.SandboxLabel, id.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment(settings)
            // Docker makes the working directory if the image lacks it: execd's workspace.
            .WithWorkingDirectory(Workspace)
            .WithBindMount(logs, "/var/log/cmux")
            .WithLogger(logger)
            .Build();
    }

    /// <summary>Answers once every ready port accepts at the container's address, as the process runtime's start does.</summary>
    private async Task WaitUntilListeningAsync(IPAddress address, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        var pending = new List<int>(runtime.Ports);
        while (pending.Count > 0)
        {
            if (waited.Elapsed > runtime.Options.StartTimeout)
            {
                throw new TimeoutException($"container {ContainerName} at {address}: nothing listens on {string.Join(", ", pending)} after {runtime.Options.StartTimeout} (its logs: {Path.Combine(layout.Root, "logs")})");
            }
            if (!await runtime.IsRunningAsync(_container!.Id, ct))
            {
                throw new InvalidOperationException($"container {ContainerName} exited before it was ready (its logs: {Path.Combine(layout.Root, "logs")})");
            }
            foreach (var port in pending.ToList())
            {
                using var tcp = new TcpClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    await tcp.ConnectAsync(address, port, attempt.Token);
                    pending.Remove(port);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    // Not listening yet.
                }
            }
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string>? b) =>
        b is not null && a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}

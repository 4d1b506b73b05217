using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Processes;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// Every sandbox of this host, in memory: creates, starts, stops, pauses and deletes them on the
/// configured runtime, keeps the hosts file in step, logs each lifecycle event and counts them.
/// Stopping the host deletes every sandbox and removes their folders (they do not outlive the host),
/// then stops the runtime.
/// </summary>
public sealed partial class SandboxManager(
    IOptions<SandboxHostOptions> options,
    ISandboxRuntime runtime,
    HostsFile hostsFile,
    IMeterFactory meters,
    ILogger<SandboxManager> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<int, SandboxInstance> _sandboxes = new();
    private readonly SandboxHostOptions _options = options.Value;
    private SandboxMetrics? _metrics;

    private SandboxMetrics Metrics => _metrics ?? throw new InvalidOperationException("The sandbox manager has not started.");

    public IReadOnlyList<SandboxInstance> List() => [.. _sandboxes.Values.OrderBy(s => s.Id)];

    public SandboxInstance? Get(int id) => _sandboxes.GetValueOrDefault(id);

    /// <summary>Creates the sandbox, or returns the existing one (created false).</summary>
    public (SandboxInstance Sandbox, bool Created) Create(int id, string? hostname, string? execdProfile = null)
    {
        hostname ??= SandboxNames.Hostname(id);
        if (execdProfile is not null && !Profiles.All.Contains(execdProfile))
        {
            throw new ArgumentException($"execdProfile must be one of {string.Join(", ", Profiles.All)}, not '{execdProfile}'");
        }
        if (!HostnamePattern().IsMatch(hostname))
        {
            throw new ArgumentException($"hostname '{hostname}' is not a DNS label (a-z, 0-9, '-', at most 63 characters)");
        }
        var created = false;
        var sandbox = _sandboxes.GetOrAdd(id, _ =>
        {
            created = true;
            var layout = SandboxLayout.For(_options, id);
            // A folder left by an earlier host with this data folder belongs to no one now.
            DeleteFolder(layout);
            Directory.CreateDirectory(layout.Home);
            Directory.CreateDirectory(layout.Workspace);
            return new SandboxInstance(id, hostname, layout, runtime.Create(id, hostname, execdProfile, layout), runtime.Ports);
        });
        if (created)
        {
            WriteHostsFile();
            Log(sandbox, "created");
        }
        return (sandbox, created);
    }

    /// <summary>Starts it; the hosts file is written after, since a container's address is known only once it runs.</summary>
    public Task<SandboxInstance> StartAsync(int id, IReadOnlyDictionary<string, string>? environment, CancellationToken ct) =>
        OperateAsync(id, "started", async s =>
        {
            await s.StartAsync(environment, ct);
            WriteHostsFile();
        });

    public Task<SandboxInstance> StopAsync(int id) => OperateAsync(id, "stopped", s => s.StopAsync());

    public Task<SandboxInstance> PauseAsync(int id) => OperateAsync(id, "paused", s => s.PauseAsync());

    public Task<SandboxInstance> ResumeAsync(int id) => OperateAsync(id, "resumed", s => s.ResumeAsync());

    /// <summary>Stops and removes the sandbox, workspace included; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(int id)
    {
        if (!_sandboxes.TryGetValue(id, out var sandbox))
        {
            return false;
        }
        await OperateAsync(id, "deleted", async s =>
        {
            await s.RemoveAsync();
            DeleteFolder(s.Layout);
            _sandboxes.TryRemove(id, out _);
            WriteHostsFile();
        });
        return true;
    }

    private async Task<SandboxInstance> OperateAsync(int id, string action, Func<SandboxInstance, Task> operation)
    {
        var sandbox = Get(id) ?? throw new KeyNotFoundException($"no sandbox {id}");
        try
        {
            await operation(sandbox);
            Metrics.Record(action, succeeded: true);
            Log(sandbox, action);
            return sandbox;
        }
        catch (Exception e)
        {
            Metrics.Record(action, succeeded: false);
            logger.LogWarning(e, "Sandbox {SandboxId} ({Hostname}) could not be {Action}: {Error}", sandbox.Id, sandbox.Hostname, action, e.Message);
            throw;
        }
    }

    private void Log(SandboxInstance sandbox, string action) =>
        logger.LogInformation("Sandbox {SandboxId} ({Hostname}, {Address}) {Action}; state {State}",
            sandbox.Id, sandbox.Hostname, sandbox.Address?.ToString() ?? "no address yet", action, sandbox.State);

    private void WriteHostsFile() => hostsFile.Write(_sandboxes.Values.Select(s => (s.Id, s.Hostname, s.Address)));

    private static void DeleteFolder(SandboxLayout layout)
    {
        if (Directory.Exists(layout.Root))
        {
            Directory.Delete(layout.Root, recursive: true);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _metrics = new SandboxMetrics(meters, () => _sandboxes.Values.Select(s => s.State));
        WriteHostsFile();
        await runtime.StartAsync(cancellationToken);
        logger.LogInformation("Sandbox host ready: data in {DataDir}, hosts file {HostsFile}, runtime {Runtime}",
            _options.DataDir, hostsFile.Path, runtime.Description);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_sandboxes.Keys.Select(DeleteAsync));
        }
        finally
        {
            // Also when a sandbox would not go: the runtime removes what is left of its own (Docker: containers, network).
            await runtime.StopAsync(cancellationToken);
        }
    }

    public void Dispose() => _metrics?.Dispose();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex HostnamePattern();
}

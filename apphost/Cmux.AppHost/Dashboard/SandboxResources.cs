using System.Collections.Immutable;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cmux.AppHost.Dashboard;

/// <summary>A sandbox of the sandbox host, as the dashboard shows it.</summary>
public sealed class SandboxResource(string name) : Resource(name);

/// <summary>
/// Every sandbox the fakes (or the suite through them) create appears in the dashboard as a custom
/// resource of type <c>Sandbox</c>: its state (running, paused, stopped, then deleted), vmid or
/// Morph instance, address, each port's public URL as a link, and its execd's log as the resource's
/// console. The sandbox host is the one place that knows every sandbox; once it is ready its
/// control API is read every second and each change is published through Aspire's resource
/// notifications.
/// </summary>
public static class SandboxResources
{
    public const string ResourceType = "Sandbox";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <param name="publicUrls">The public URLs of a sandbox (name, URL), from its host name and ports.</param>
    public static void ShowSandboxes(this IResourceBuilder<ProjectResource> sandboxes, string sandboxData,
        Func<SandboxInfo, IEnumerable<(string Name, string Url)>> publicUrls)
    {
        sandboxes.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(sandboxes.Resource, (e, ct) =>
        {
            var lifetime = e.Services.GetRequiredService<IHostApplicationLifetime>();
            var watcher = new Watcher(sandboxes.GetEndpoint("http"), sandboxData, publicUrls,
                e.Services.GetRequiredService<ResourceNotificationService>(),
                e.Services.GetRequiredService<ResourceLoggerService>(),
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SandboxResources)));
            _ = Task.Run(() => watcher.RunAsync(lifetime.ApplicationStopping));
            return Task.CompletedTask;
        });
    }

    /// <summary>The resource's name for a sandbox: its host name (<c>cmux-200</c>, <c>pvelxc-…</c>, <c>morphvm-…</c>).</summary>
    public static string NameOf(SandboxInfo sandbox) => $"sandbox-{sandbox.Hostname}";

    private sealed class Watcher(EndpointReference endpoint, string sandboxData, Func<SandboxInfo, IEnumerable<(string Name, string Url)>> publicUrls,
        ResourceNotificationService notifications, ResourceLoggerService logs, ILogger logger)
    {
        private readonly Dictionary<int, Shown> _shown = [];

        // One resource per name for the whole run: a vmid (and so a host name) comes back once its
        // sandbox is deleted, and the dashboard and the log service know a resource by its name.
        // The row shows the newest sandbox of that name; its console keeps the earlier ones' lines.
        private readonly Dictionary<string, SandboxResource> _resources = new(StringComparer.Ordinal);

        public async Task RunAsync(CancellationToken stopping)
        {
            using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url + "/"), Timeout = TimeSpan.FromSeconds(10) };
            var client = new SandboxHostClient(http);
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await RefreshAsync(await client.ListAsync(stopping));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !stopping.IsCancellationRequested)
                {
                    logger.LogDebug(e, "The sandbox host did not list its sandboxes");
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    // Anything else must not end the watch: the dashboard would stop showing sandboxes for the rest of the run.
                    logger.LogWarning(e, "Showing the sandboxes failed; trying again");
                }
                try
                {
                    await Task.Delay(Interval, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task RefreshAsync(IReadOnlyList<SandboxInfo> sandboxes)
        {
            foreach (var sandbox in sandboxes)
            {
                if (!_shown.TryGetValue(sandbox.Id, out var shown) || shown.Info.Hostname != sandbox.Hostname)
                {
                    if (shown is not null)
                    {
                        await DeletedAsync(shown);
                    }
                    var name = NameOf(sandbox);
                    if (!_resources.TryGetValue(name, out var resource))
                    {
                        _resources[name] = resource = new SandboxResource(name);
                    }
                    shown = new Shown(resource, sandbox);
                    _shown[sandbox.Id] = shown;
                    await PublishAsync(shown, sandbox, created: true);
                }
                else if (shown.Info.State != sandbox.State)
                {
                    await PublishAsync(shown, sandbox, created: false);
                }
                shown.Info = sandbox;
                await TailLogAsync(shown);
            }
            foreach (var gone in _shown.Values.Where(s => sandboxes.All(x => x.Id != s.Info.Id)).ToList())
            {
                await TailLogAsync(gone);
                await DeletedAsync(gone);
                _shown.Remove(gone.Info.Id);
            }
        }

        private Task PublishAsync(Shown shown, SandboxInfo sandbox, bool created) =>
            notifications.PublishUpdateAsync(shown.Resource, s => s with
            {
                ResourceType = ResourceType,
                CreationTimeStamp = created ? DateTime.UtcNow : s.CreationTimeStamp,
                StartTimeStamp = sandbox.State == SandboxState.Running ? s.StartTimeStamp ?? DateTime.UtcNow : s.StartTimeStamp,
                StopTimeStamp = sandbox.State == SandboxState.Stopped ? DateTime.UtcNow : null,
                State = sandbox.State switch
                {
                    SandboxState.Running => new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                    SandboxState.Paused => new ResourceStateSnapshot("Paused", KnownResourceStateStyles.Warn),
                    SandboxState.Stopped => new ResourceStateSnapshot("Stopped", KnownResourceStateStyles.Info),
                    _ => new ResourceStateSnapshot("Created", KnownResourceStateStyles.Info),
                },
                Properties =
                [
                    new ResourcePropertySnapshot("sandbox.id", sandbox.Id),
                    new ResourcePropertySnapshot("sandbox.hostname", sandbox.Hostname),
                    new ResourcePropertySnapshot("sandbox.address", sandbox.Address),
                    new ResourcePropertySnapshot("sandbox.provider", sandbox.Hostname.StartsWith("morphvm", StringComparison.Ordinal) ? "morph" : "pve"),
                    new ResourcePropertySnapshot("sandbox.workspace", sandbox.Workspace),
                ],
                Urls = [.. publicUrls(sandbox).Select(u => new UrlSnapshot(u.Name, u.Url, IsInternal: false))],
            });

        private async Task DeletedAsync(Shown shown)
        {
            await notifications.PublishUpdateAsync(shown.Resource, s => s with
            {
                State = new ResourceStateSnapshot("Deleted", KnownResourceStateStyles.Info),
                StopTimeStamp = DateTime.UtcNow,
                Urls = [],
            });
            logs.GetLogger(shown.Resource).LogInformation("sandbox {Id} ({Hostname}) deleted", shown.Info.Id, shown.Info.Hostname);
        }

        /// <summary>Copies what execd wrote since the last look (<c>{data}/sandboxes/{id}/execd.log</c>) to the resource's console.</summary>
        private Task TailLogAsync(Shown shown)
        {
            var file = Path.Combine(sandboxData, "sandboxes", shown.Info.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "execd.log");
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length < shown.LogOffset)
                {
                    shown.LogOffset = 0;
                }
                stream.Seek(shown.LogOffset, SeekOrigin.Begin);
                using var reader = new StreamReader(stream);
                var text = reader.ReadToEnd();
                var complete = text.LastIndexOf('\n');
                if (complete < 0)
                {
                    return Task.CompletedTask;
                }
                shown.LogOffset += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete + 1));
                var log = logs.GetLogger(shown.Resource);
                foreach (var line in text[..complete].Split('\n'))
                {
                    log.LogInformation("{Line}", line.TrimEnd('\r'));
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Not started yet, or already removed.
            }
            return Task.CompletedTask;
        }

        private sealed class Shown(SandboxResource resource, SandboxInfo info)
        {
            public SandboxResource Resource { get; } = resource;

            public SandboxInfo Info { get; set; } = info;

            public long LogOffset { get; set; }
        }
    }

    /// <summary>Every port of the contract, as a link: the public URL the profile gives a sandbox of this host name.</summary>
    public static IEnumerable<(string Name, string Url)> PortLinks(SandboxInfo sandbox, Func<int, string?> urlForPort) =>
        SandboxPorts.All.Select(port => (Name: $"port {port}", Url: urlForPort(port))).Where(l => l.Url is not null).Select(l => (l.Name, l.Url!));
}

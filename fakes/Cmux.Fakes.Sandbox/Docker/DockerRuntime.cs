using System.Security.Cryptography;
using System.Text;
using Cmux.Fakes.Sandbox.Lifecycle;
using Cmux.Fakes.Sandbox.Processes;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Networks;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Docker;

/// <summary>
/// The Docker runtime (<c>Sandbox:Runtime=docker</c>): each sandbox is a container from the template
/// image (eng/template), created through Testcontainers, on a network this host creates at its start
/// and removes at its stop. A container has its own network stack, hostname, PID 1 and root
/// filesystem, as an LXC container on a PVE host does; Docker's embedded DNS names it on the network
/// (<c>cmux-{id}.lan</c>, <c>cmux-{id}</c>, its hostname), and the host writes its address into the
/// hosts file, because the router runs on the host, where that DNS (127.0.0.11 inside containers)
/// does not answer: the closest honest stand-in for the LAN's DNS Caddy uses on a PVE host.
/// Everything it makes carries the label <c>cmux.sandbox-host={key of the data folder}</c>, so a
/// host started again on the same folder removes what a killed one left (as it does with folders).
/// </summary>
public sealed class DockerRuntime(IOptions<SandboxHostOptions> options, ILogger<DockerRuntime> logger) : ISandboxRuntime, IAsyncDisposable
{
    public const string HostLabel = "cmux.sandbox-host";
    public const string SandboxLabel = "cmux.sandbox-id";

    private readonly SandboxHostOptions _options = options.Value;
    private DockerClient? _docker;
    private INetwork? _network;

    /// <summary>Names this host's Docker objects: 10 hex digits of the data folder's full path.</summary>
    public string HostKey { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(options.Value.DataDir))))[..10];

    public string NetworkName => $"cmux-sandboxes-{HostKey}";

    public string Image => _options.Docker.Image is { Length: > 0 } image
        ? image
        : throw new InvalidOperationException("Sandbox:Docker:Image is not set: the Docker runtime needs the template image (eng/template/build.sh builds it; --print-image names it)");

    public string Description =>
        $"docker (image {Image}, network {NetworkName}{(_options.Docker.Internal ? " (internal)" : "")}; containers' addresses go to the hosts file)";

    public IReadOnlyList<int> Ports => _options.Docker.EffectiveReadyPorts;

    internal DockerClient Client => _docker ?? throw new InvalidOperationException("The Docker runtime has not started.");

    internal SandboxHostOptions Options => _options;

    public async Task StartAsync(CancellationToken ct)
    {
        var image = Image;
        // Before Testcontainers' settings are first read: they are read once.
        await DockerApiVersion.NegotiateAsync(logger, ct);
        // Testcontainers' reaper (Ryuk) is an image pulled from Docker Hub, which this machine cannot
        // reach; this host removes what it made itself (sandbox delete, host stop, the next start's sweep).
        TestcontainersSettings.ResourceReaperEnabled = false;
        if (TestcontainersSettings.OS.DockerEndpointAuthConfig is null)
        {
            throw new InvalidOperationException($"Testcontainers finds no Docker engine it can talk to ({DockerApiVersion.Variable}={Environment.GetEnvironmentVariable(DockerApiVersion.Variable)})");
        }
        _docker = TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();
        try
        {
            await _docker.Images.InspectImageAsync(image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            throw new InvalidOperationException($"the template image {image} is not in the Docker engine: build it with eng/template/build.sh (nothing is pulled)");
        }
        await SweepAsync(ct);
        _network = new NetworkBuilder()
            .WithName(NetworkName)
            .WithLabel(HostLabel, HostKey)
            .WithCreateParameterModifier(parameters => parameters.Internal = _options.Docker.Internal)
            .WithLogger(logger)
            .Build();
        await _network.CreateAsync(ct);
        logger.LogInformation("Docker runtime: network {Network} created; sandboxes run {Image}", NetworkName, image);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_docker is null)
        {
            return;
        }
        await SweepAsync(ct);
        if (_network is not null)
        {
            await _network.DisposeAsync();
            _network = null;
        }
        logger.LogInformation("Docker runtime: network {Network} removed", NetworkName);
    }

    public ISandboxMachine Create(int id, string hostname, string? execdProfile, SandboxLayout layout) =>
        new DockerSandbox(this, id, hostname, execdProfile, layout, logger);

    /// <summary>The container's address on the run's network; null when it has none (not running).</summary>
    internal async Task<System.Net.IPAddress?> AddressOfAsync(string containerId, CancellationToken ct)
    {
        var inspected = await Client.Containers.InspectContainerAsync(containerId, ct);
        return inspected.NetworkSettings?.Networks?.TryGetValue(NetworkName, out var endpoint) == true
               && System.Net.IPAddress.TryParse(endpoint.IPAddress, out var address) ? address : null;
    }

    internal async Task<bool> IsRunningAsync(string containerId, CancellationToken ct) =>
        (await Client.Containers.InspectContainerAsync(containerId, ct)).State?.Running == true;

    /// <summary>Removes every container of this host's key and its network: leftovers of a host that was killed, or of this one.</summary>
    private async Task SweepAsync(CancellationToken ct)
    {
        var filter = new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{HostLabel}={HostKey}"] = true } },
        };
        foreach (var container in await Client.Containers.ListContainersAsync(filter, ct))
        {
            await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct);
            logger.LogInformation("Docker runtime: removed container {Container} ({Names})", container.ID[..12], string.Join(',', container.Names));
        }
        if (_network is null)
        {
            var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{HostLabel}={HostKey}"] = true } },
            }, ct);
            foreach (var network in networks)
            {
                await Client.Networks.DeleteNetworkAsync(network.ID, ct);
                logger.LogInformation("Docker runtime: removed network {Network} left by an earlier host", network.Name);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
        _docker?.Dispose();
    }
}

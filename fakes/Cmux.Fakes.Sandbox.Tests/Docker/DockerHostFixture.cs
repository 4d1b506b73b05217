using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Docker;
using Docker.DotNet;
using DotNet.Testcontainers.Configurations;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.Fakes.Sandbox.Tests.Docker;

/// <summary>
/// A sandbox host on the Docker runtime, in process: the template image (eng/template), a temp data
/// folder, the cmux profile (token auth). Without a Docker engine or the image it starts nothing and
/// every <see cref="DockerFactAttribute"/> test is skipped with the reason. Disposing stops the
/// host, which removes its containers and its network.
/// </summary>
public sealed class DockerHostFixture : IAsyncLifetime
{
    private InProcessApp? _app;
    private int _nextId = Random.Shared.Next(50_000, 64_000);

    public string DataDir { get; } = Directory.CreateTempSubdirectory("cmux-docker-test-").FullName;

    public SandboxHostClient Client { get; private set; } = null!;

    public DockerRuntime Runtime => _app!.Services.GetRequiredService<DockerRuntime>();

    /// <summary>The tests' own client of the engine, to see what the host made.</summary>
    public DockerClient Docker { get; private set; } = null!;

    public string HostsFile => Path.Combine(DataDir, "hosts");

    public int NextId() => Interlocked.Increment(ref _nextId);

    public async Task InitializeAsync()
    {
        if (DockerEnvironment.SkipReason is not null)
        {
            return;
        }
        _app = await StartHostAsync(DataDir);
        Client = new SandboxHostClient(_app.Client);
        Docker = TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();
    }

    /// <summary>A Docker-runtime host on <paramref name="dataDir"/> (its key names its network and containers).</summary>
    public static Task<InProcessApp> StartHostAsync(string dataDir) => InProcessApp.StartAsync(args => SandboxHostApplication.Build(args),
        $"--Sandbox:DataDir={dataDir}", "--Sandbox:Runtime=docker", $"--Sandbox:Docker:Image={DockerEnvironment.TemplateImage}",
        "--Sandbox:Execd:Profile=cmux", "--Sandbox:StartTimeout=00:01:30");

    public async Task<SandboxInfo> StartNewAsync(string? hostname = null, string? token = null)
    {
        var id = NextId();
        await Client.CreateAsync(id, new CreateSandboxRequest(hostname));
        return await Client.StartAsync(id, token is null ? null : new StartSandboxRequest(new Dictionary<string, string> { ["CMUX_EXECD_AUTH_TOKEN"] = token }));
    }

    /// <summary>One exec on the sandbox's execd through its address (cmux profile: NDJSON lines), with a bearer token or none.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> ExecAsync(string address, string command, string? token, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}:{SandboxPorts.Execd}/exec")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new { command }), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Docker?.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class DockerHostCollection : ICollectionFixture<DockerHostFixture>
{
    public const string Name = "docker sandbox host";
}

using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Sandbox;

/// <summary>
/// One sandbox host, in process, for the sandbox tests: control API on an ephemeral port of
/// 127.0.0.1, a temp data folder, and two running sandboxes (<see cref="First"/>,
/// <see cref="Second"/>). Ids are drawn at random from 50000..64999 so parallel runs on the
/// machine rarely meet; disposing stops every sandbox and removes the folder.
/// </summary>
public sealed class SandboxHostFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private int _nextId = Random.Shared.Next(50_000, 64_000);

    public string DataDir { get; } = Directory.CreateTempSubdirectory("cmux-sandbox-test-").FullName;

    public HttpClient Http { get; private set; } = null!;

    public SandboxHostClient Client { get; private set; } = null!;

    public SandboxInfo First { get; private set; } = null!;

    public SandboxInfo Second { get; private set; } = null!;

    public string HostsFile => Path.Combine(DataDir, "hosts");

    public int NextId() => Interlocked.Increment(ref _nextId);

    public async Task InitializeAsync()
    {
        _app = SandboxHostApplication.Build(["--urls=http://127.0.0.1:0", $"--Sandbox:DataDir={DataDir}"],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(90) };
        Client = new SandboxHostClient(Http);
        var sandboxes = await Task.WhenAll(StartNewAsync(), StartNewAsync("second-box"));
        (First, Second) = (sandboxes[0], sandboxes[1]);
    }

    public async Task<SandboxInfo> StartNewAsync(string? hostname = null)
    {
        var id = NextId();
        await Client.CreateAsync(id, new CreateSandboxRequest(hostname));
        return await Client.StartAsync(id);
    }

    /// <summary>A client for one port of a sandbox, on its own address.</summary>
    public static HttpClient ClientFor(SandboxInfo sandbox, int port) =>
        new() { BaseAddress = new Uri($"http://{sandbox.Address}:{port}"), Timeout = TimeSpan.FromSeconds(60) };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Http?.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxHostCollection : ICollectionFixture<SandboxHostFixture>
{
    public const string Name = "sandbox host";
}

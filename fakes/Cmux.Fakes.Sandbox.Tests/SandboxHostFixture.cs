using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Sandbox.Tests;

/// <summary>
/// One sandbox host, in process, for the sandbox tests: control API on an ephemeral port of
/// 127.0.0.1, a temp data folder, and two running sandboxes (<see cref="First"/>,
/// <see cref="Second"/>). Ids are drawn at random from 50000..64999 so parallel runs on the
/// machine rarely meet; disposing stops every sandbox and removes the folder.
/// </summary>
public sealed class SandboxHostFixture : IAsyncLifetime
{
    private InProcessApp? _app;
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
        _app = await InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), $"--Sandbox:DataDir={DataDir}");
        Http = _app.Client;
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
            await _app.DisposeAsync();
        }
        Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxHostCollection : ICollectionFixture<SandboxHostFixture>
{
    public const string Name = "sandbox host";
}

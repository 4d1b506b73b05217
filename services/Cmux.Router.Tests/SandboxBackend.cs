using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Router.Tests;

/// <summary>
/// The sandbox host, in-process on a temporary data directory, with one running sandbox: its
/// ports listen on the sandbox's own loopback address and its hosts file names <c>cmux-{id}.lan</c>.
/// </summary>
public sealed class SandboxBackend : IAsyncDisposable
{
    private readonly InProcessApp _host;
    private readonly int _id;

    private SandboxBackend(InProcessApp host, int id, string hostsFile)
    {
        _host = host;
        _id = id;
        HostsFile = hostsFile;
    }

    /// <summary>The hosts file the sandbox host keeps; a proxy resolves <c>cmux-{id}.lan</c> from it.</summary>
    public string HostsFile { get; }

    public static async Task<SandboxBackend> StartAsync(string dataDir, int id)
    {
        var host = await InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), $"--Sandbox:DataDir={dataDir}");
        var client = new SandboxHostClient(host.Client);
        await client.CreateAsync(id, new CreateSandboxRequest());
        await client.StartAsync(id);
        return new SandboxBackend(host, id, Path.Combine(dataDir, "hosts"));
    }

    public async ValueTask DisposeAsync()
    {
        await new SandboxHostClient(_host.Client).DeleteAsync(_id);
        await _host.DisposeAsync();
    }
}

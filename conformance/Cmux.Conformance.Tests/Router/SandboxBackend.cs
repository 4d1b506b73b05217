using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Router;

/// <summary>
/// The sandbox host, in-process on a temporary data directory, with one running sandbox: its
/// ports listen on the sandbox's own loopback address and its hosts file names <c>cmux-{id}.lan</c>.
/// </summary>
public sealed class SandboxBackend : IAsyncDisposable
{
    private readonly WebApplication _host;
    private readonly HttpClient _http;
    private readonly int _id;

    private SandboxBackend(WebApplication host, HttpClient http, int id, string hostsFile)
    {
        _host = host;
        _http = http;
        _id = id;
        HostsFile = hostsFile;
    }

    /// <summary>The hosts file the sandbox host keeps; a proxy resolves <c>cmux-{id}.lan</c> from it.</summary>
    public string HostsFile { get; }

    public static async Task<SandboxBackend> StartAsync(string dataDir, int id)
    {
        var host = SandboxHostApplication.Build(["--urls=http://127.0.0.1:0", $"--Sandbox:DataDir={dataDir}"],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await host.StartAsync();
        var control = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient { BaseAddress = new Uri(control + "/") };
        var client = new SandboxHostClient(http);
        await client.CreateAsync(id, new CreateSandboxRequest());
        await client.StartAsync(id);
        return new SandboxBackend(host, http, id, Path.Combine(dataDir, "hosts"));
    }

    public async ValueTask DisposeAsync()
    {
        await new SandboxHostClient(_http).DeleteAsync(_id);
        _http.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cmux.Conformance.Http;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Tls;
using Microsoft.AspNetCore.Builder;

namespace Cmux.Conformance.Tests.Morph;

/// <summary>
/// The Morph fake in-process (API on http, gateway on https, both on 127.0.0.1 port 0) over a
/// <see cref="SandboxHostDouble"/>, with a run CA in a temporary folder. Shared by every Morph
/// test, since sandbox ids (and so loopback addresses) must not be handed out twice.
/// </summary>
public sealed class MorphFakeFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key";
    public const string Snapshot = "snapshot_test";
    public const string Domain = "http.cloud.morph.so";
    public static readonly TimeSpan ReadyDelay = TimeSpan.FromMilliseconds(300);

    private readonly string _caFolder = Directory.CreateTempSubdirectory("cmux-morph-ca-").FullName;
    private WebApplication? _morph;

    public SandboxHostDouble Sandboxes { get; } = new();

    public Uri Api { get; private set; } = null!;

    public IPEndPoint Gateway { get; private set; } = null!;

    public RunCertificateAuthority Ca { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Sandboxes.StartAsync();
        _morph = MorphFakeApp.Build(
        [
            "--urls=http://127.0.0.1:0;https://127.0.0.1:0",
            $"--Morph:SandboxHost={Sandboxes.Url}",
            $"--Morph:ApiKeys:0={ApiKey}",
            $"--Morph:Snapshots:0={Snapshot}",
            $"--Morph:ReadyDelay={ReadyDelay}",
            // Far from the ids other suites use, so the test machines' loopback addresses are free.
            "--Morph:FirstSandboxId=64000",
            "--Morph:LastSandboxId=64999",
            $"--Tls:CaDirectory={_caFolder}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _morph.StartAsync();
        var urls = _morph.Urls.Select(u => new Uri(u)).ToList();
        Api = new Uri(urls.Single(u => u.Scheme == "http"), "/api/");
        var gateway = urls.Single(u => u.Scheme == "https");
        Gateway = new IPEndPoint(IPAddress.Parse(gateway.Host), gateway.Port);
        Ca = RunCertificateAuthority.Load(_caFolder);
    }

    public HttpClient ApiClient(string? key = ApiKey)
    {
        var client = new HttpClient { BaseAddress = Api };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    /// <summary>A client that reaches service URLs the way a browser would, through the gateway, trusting only the run CA.</summary>
    public HttpClient GatewayClient() => new(ResolvingHandler.Create(Gateway, Ca));

    public static int SandboxIdOf(JsonElement instance) =>
        Fakes.Sandbox.Client.SandboxAddress.IdOf(IPAddress.Parse(instance.GetProperty("networking").GetProperty("internal_ip").GetString()!))!.Value;

    public async Task DisposeAsync()
    {
        if (_morph is not null)
        {
            await _morph.StopAsync();
            await _morph.DisposeAsync();
        }
        await Sandboxes.DisposeAsync();
        Ca?.Dispose();
        Directory.Delete(_caFolder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MorphFakeCollection : ICollectionFixture<MorphFakeFixture>
{
    public const string Name = "morph-fake";
}

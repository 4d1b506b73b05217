using System.Net;
using System.Net.Http.Headers;
using Cmux.Fakes.RunPki;
using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Morph.Tests;

/// <summary>
/// The Morph fake in-process (API on http, gateway on https, both on 127.0.0.1 port 0) over a
/// real sandbox host, also in-process, with a run CA in a temporary folder. Shared by every Morph
/// test, since sandbox ids (and so loopback addresses) must not be handed out twice.
/// </summary>
public sealed class MorphFakeFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key";
    public const string Snapshot = "snapshot_test";
    public const string Domain = "http.cloud.morph.so";

    /// <summary>Above the ids the sandbox tests draw (50000..64999) and the provider tests' (64600..64999), so all run side by side.</summary>
    public const int FirstSandboxId = 65000;
    public const int LastSandboxId = 65535;

    public static readonly TimeSpan ReadyDelay = TimeSpan.FromMilliseconds(300);

    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-morph-test-").FullName;
    private InProcessApp? _sandboxHost;
    private InProcessApp? _morph;
    private MorphSession? _session;

    public SandboxHostClient Sandboxes { get; private set; } = null!;

    public Uri Api { get; private set; } = null!;

    public IPEndPoint Gateway { get; private set; } = null!;

    public RunCertificateAuthority Ca { get; private set; } = null!;

    /// <summary>
    /// A ready instance for tests that leave its status alone (exec, validation, the gateway):
    /// a sandbox takes seconds to start, so tests that need no instance of their own share this one.
    /// </summary>
    public string SharedInstance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _sandboxHost = await InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), $"--Sandbox:DataDir={Path.Combine(_folder, "sandboxes")}");
        Sandboxes = new SandboxHostClient(_sandboxHost.Client);

        var caFolder = Path.Combine(_folder, "ca");
        _morph = await InProcessApp.StartAsync(MorphFakeApp.Build,
            "--urls=http://127.0.0.1:0;https://127.0.0.1:0",
            $"--Morph:SandboxHost={_sandboxHost.Url}",
            $"--Morph:ApiKeys:0={ApiKey}",
            $"--Morph:Snapshots:0={Snapshot}",
            $"--Morph:ReadyDelay={ReadyDelay}",
            $"--Morph:FirstSandboxId={FirstSandboxId}",
            $"--Morph:LastSandboxId={LastSandboxId}",
            $"--Tls:CaDirectory={caFolder}");
        Api = new Uri(_morph.Url, "/api/");
        Gateway = _morph.Endpoint("https");
        Ca = RunCertificateAuthority.Load(caFolder);

        _session = new MorphSession(this);
        SharedInstance = MorphSession.Id(await _session.StartReadyAsync());
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

    /// <summary>A handler that reaches service URLs the way a browser would, through the gateway, trusting only the run CA.</summary>
    public HttpMessageHandler GatewayHandler() => RunPkiHandler.Create(Ca, _ => Gateway);

    public async Task<SandboxState?> SandboxStateAsync(int sandboxId) => (await Sandboxes.GetAsync(sandboxId))?.State;

    public static int SandboxIdOf(System.Text.Json.JsonElement instance) =>
        SandboxAddress.IdOf(IPAddress.Parse(instance.GetProperty("networking").GetProperty("internal_ip").GetString()!))!.Value;

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
        foreach (var app in new[] { _morph, _sandboxHost })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
        Ca?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MorphFakeCollection : ICollectionFixture<MorphFakeFixture>
{
    public const string Name = "morph-fake";
}

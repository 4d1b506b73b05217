using System.Net;
using System.Net.Http.Headers;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.RunPki;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Morph;

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

    /// <summary>Above the ids the sandbox tests draw (50000..64999), so both suites run side by side.</summary>
    public const int FirstSandboxId = 65000;
    public const int LastSandboxId = 65535;

    public static readonly TimeSpan ReadyDelay = TimeSpan.FromMilliseconds(300);

    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-morph-test-").FullName;
    private WebApplication? _sandboxHost;
    private WebApplication? _morph;
    private MorphSession? _session;

    public SandboxHostClient Sandboxes { get; private set; } = null!;

    public Uri Api { get; private set; } = null!;

    public IPEndPoint Gateway { get; private set; } = null!;

    public RunCertificateAuthority Ca { get; private set; } = null!;

    public TrustedRoots Roots { get; private set; } = null!;

    /// <summary>
    /// A ready instance for tests that leave its status alone (exec, validation, the gateway):
    /// a sandbox takes seconds to start, so tests that need no instance of their own share this one.
    /// </summary>
    public string SharedInstance { get; private set; } = null!;

    /// <summary>The provider under test, aimed at the fake, exposing <see cref="ProviderPorts"/>.</summary>
    public MorphProvider Provider { get; private set; } = null!;

    public static IReadOnlyList<int> ProviderPorts { get; } = [SandboxPorts.Execd, SandboxPorts.VsCode];

    /// <summary>A sandbox the provider created, shared like <see cref="SharedInstance"/>.</summary>
    public SandboxHandle SharedSandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _sandboxHost = SandboxHostApplication.Build(
            ["--urls=http://127.0.0.1:0", $"--Sandbox:DataDir={Path.Combine(_folder, "sandboxes")}"],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _sandboxHost.StartAsync();
        var sandboxHostUrl = new Uri(_sandboxHost.Urls.Single());
        Sandboxes = new SandboxHostClient(new HttpClient { BaseAddress = sandboxHostUrl });

        var caFolder = Path.Combine(_folder, "ca");
        _morph = MorphFakeApp.Build(
        [
            "--urls=http://127.0.0.1:0;https://127.0.0.1:0",
            $"--Morph:SandboxHost={sandboxHostUrl}",
            $"--Morph:ApiKeys:0={ApiKey}",
            $"--Morph:Snapshots:0={Snapshot}",
            $"--Morph:ReadyDelay={ReadyDelay}",
            $"--Morph:FirstSandboxId={FirstSandboxId}",
            $"--Morph:LastSandboxId={LastSandboxId}",
            $"--Tls:CaDirectory={caFolder}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _morph.StartAsync();
        var urls = _morph.Urls.Select(u => new Uri(u)).ToList();
        Api = new Uri(urls.Single(u => u.Scheme == "http"), "/api/");
        var gateway = urls.Single(u => u.Scheme == "https");
        Gateway = new IPEndPoint(IPAddress.Parse(gateway.Host), gateway.Port);
        Ca = RunCertificateAuthority.Load(caFolder);
        Roots = TrustedRoots.FromPemFile(Path.Combine(caFolder, RunCertificateAuthority.CertificateFile));

        _session = new MorphSession(this);
        SharedInstance = MorphSession.Id(await _session.StartReadyAsync());
        Provider = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = Api,
            ApiKey = ApiKey,
            SnapshotId = Snapshot,
            Ports = ProviderPorts,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Route = Route,
        });
        SharedSandbox = await Provider.CreateAsync(CancellationToken.None);
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
    public HttpMessageHandler GatewayHandler() => ResolvingHandler.Create(Route);

    /// <summary>Service URLs go to the gateway, whose certificate must chain to the run CA.</summary>
    public PublicRoute Route => new(new DnsEndPoint(Gateway.Address.ToString(), Gateway.Port), Roots);

    public async Task<SandboxState?> SandboxStateAsync(int sandboxId) => (await Sandboxes.GetAsync(sandboxId))?.State;

    public static int SandboxIdOf(System.Text.Json.JsonElement instance) =>
        SandboxAddress.IdOf(IPAddress.Parse(instance.GetProperty("networking").GetProperty("internal_ip").GetString()!))!.Value;

    public async Task DisposeAsync()
    {
        if (SharedSandbox is not null)
        {
            await Provider.DeleteAsync(SharedSandbox, CancellationToken.None);
        }
        Provider?.Dispose();
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
        foreach (var app in new[] { _morph, _sandboxHost })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        Ca?.Dispose();
        Roots?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MorphFakeCollection : ICollectionFixture<MorphFakeFixture>
{
    public const string Name = "morph-fake";
}

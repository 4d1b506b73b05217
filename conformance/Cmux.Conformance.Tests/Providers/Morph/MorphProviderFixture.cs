using System.Net;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Fakes.Morph;
using Cmux.Fakes.RunPki;
using Cmux.Fakes.Sandbox;

namespace Cmux.Conformance.Tests.Providers.Morph;

/// <summary>
/// The provider under test, aimed at the Morph fake in-process (API on http, gateway on https)
/// over a real sandbox host, also in-process, with a run CA in a temporary folder; one sandbox the
/// provider created is shared by the tests that leave it alone.
/// </summary>
public sealed class MorphProviderFixture : IAsyncLifetime
{
    public const string Domain = "http.cloud.morph.so";

    /// <summary>Between the sandbox tests' ids (50000..64999, drawn low) and the Morph fake tests' (65000..), which run beside these.</summary>
    public const int FirstSandboxId = 64600;
    public const int LastSandboxId = 64999;

    public static readonly TimeSpan ReadyDelay = TimeSpan.FromMilliseconds(300);

    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-morph-provider-test-").FullName;
    private InProcessApp? _sandboxHost;
    private InProcessApp? _morph;
    private RunCertificateAuthority? _ca;

    public static string ApiKey => MorphFakeApp.DefaultApiKeys[0];

    public static string Snapshot => MorphFakeApp.DefaultSnapshots[0];

    public Uri Api { get; private set; } = null!;

    /// <summary>The provider under test, exposing <see cref="ProviderPorts"/>.</summary>
    public MorphProvider Provider { get; private set; } = null!;

    /// <summary>Service URLs go to the gateway, whose certificate must chain to the run CA.</summary>
    public PublicRoute Route { get; private set; } = null!;

    public TrustedRoots Roots { get; private set; } = null!;

    public static IReadOnlyList<int> ProviderPorts { get; } = [SandboxPorts.Execd, SandboxPorts.VsCode];

    /// <summary>A sandbox the provider created, for tests that leave its status alone.</summary>
    public SandboxHandle SharedSandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _sandboxHost = await InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), $"--Sandbox:DataDir={Path.Combine(_folder, "sandboxes")}");
        var caFolder = Path.Combine(_folder, "ca");
        _morph = await InProcessApp.StartAsync(MorphFakeApp.Build,
            "--urls=http://127.0.0.1:0;https://127.0.0.1:0",
            $"--Morph:SandboxHost={_sandboxHost.Url}",
            $"--Morph:ReadyDelay={ReadyDelay}",
            $"--Morph:FirstSandboxId={FirstSandboxId}",
            $"--Morph:LastSandboxId={LastSandboxId}",
            $"--Tls:CaDirectory={caFolder}");
        Api = new Uri(_morph.Url, "/api/");
        _ca = RunCertificateAuthority.Load(caFolder);
        var gateway = _morph.Endpoint("https");
        Roots = TrustedRoots.FromPemFile(Path.Combine(caFolder, RunCertificateAuthority.CertificateFile));
        Route = new PublicRoute(new DnsEndPoint(gateway.Address.ToString(), gateway.Port), Roots);
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

    public async Task DisposeAsync()
    {
        if (SharedSandbox is not null)
        {
            await Provider.DeleteAsync(SharedSandbox, CancellationToken.None);
        }
        Provider?.Dispose();
        foreach (var app in new[] { _morph, _sandboxHost })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
        _ca?.Dispose();
        Roots?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

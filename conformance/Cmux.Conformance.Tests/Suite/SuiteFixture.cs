using System.Net;
using System.Text.Json;
using Cmux.Cloudflare.Api;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Conformance.Providers.Pve;
using Cmux.Conformance.Runtime;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Pve;
using Cmux.Provisioning;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// The run behind the suite's tests. Against the fakes it starts the composed stack and points
/// both providers at it: PVE through the fake PVE API with its URLs through the edge (TLS from
/// the run's CA, Access with the service token the tunnel setup made), Morph through the fake API
/// and its gateway. In real mode it starts nothing and takes every endpoint from the environment.
/// </summary>
public sealed class SuiteFixture : IAsyncLifetime
{
    private StackFixture? _stack;
    private ConformanceRun? _run;

    public ConformanceRun Run => _run ?? throw new InvalidOperationException("The suite has not started.");

    /// <summary>The composed stack, in fake mode; null in real mode.</summary>
    public StackFixture? Stack => _stack;

    public async Task InitializeAsync()
    {
        var settings = SuiteSettings.Load();
        var mark = SandboxMark.NewRun();
        if (settings.IsReal)
        {
            _run = new ConformanceRun(settings, RealProviders.FromEnvironment(mark), mark);
        }
        else
        {
            _stack = new StackFixture();
            await _stack.InitializeAsync();
            // The composition (Cmux:Profile and the rest) decides the profile; the report names it.
            _run = new ConformanceRun(settings with { Profile = _stack.Profile }, await FakeProvidersAsync(_stack, mark), mark)
            {
                Composition = _stack.Composition,
            };
        }
        using var prepare = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await _run.PrepareAsync(RealProviders.SweepAge(), prepare.Token);
    }

    private static async Task<IReadOnlyList<ProviderSession>> FakeProvidersAsync(StackFixture stack, SandboxMark mark)
    {
        var roots = TrustedRoots.FromPemFile(stack.CaPem);
        var edge = stack.Endpoint("edge", "https");
        var gateway = stack.Endpoint("morph", "gateway");
        var tunnel = await TunnelOptionsAsync(stack);
        var token = ServiceToken(Path.Combine(stack.RunDirectory, "tunnel-setup.json"));

        var pve = new PveProvider(new PveProviderOptions
        {
            ApiUrl = stack.Endpoint("pve"),
            TokenId = "root@pam!cmux",
            TokenSecret = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!,
            Domain = tunnel.Domain,
            Profile = stack.Profile,
            FirstVmid = RealProviders.FirstVmid(),
            PollInterval = TimeSpan.FromMilliseconds(200),
            TaskTimeout = TimeSpan.FromMinutes(2),
            Route = new PublicRoute(new DnsEndPoint(edge.Host, edge.Port), roots),
            AccessClientId = token.ClientId,
            AccessClientSecret = token.ClientSecret,
            Tunnel = tunnel,
            EdgeWebSocketIdleTimeout = StackFixture.EdgeWebSocketIdleTimeout,
            Mark = mark,
        });
        var morph = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = new Uri(stack.Endpoint("morph"), "/api/"),
            ApiKey = MorphFakeApp.DefaultApiKeys[0],
            SnapshotId = MorphFakeApp.DefaultSnapshots[0],
            PollInterval = TimeSpan.FromMilliseconds(200),
            Route = new PublicRoute(new DnsEndPoint(gateway.Host, gateway.Port), roots),
            Mark = mark,
        });
        return [new ProviderSession(pve), new ProviderSession(morph)];
    }

    /// <summary>The options the AppHost's tunnel-setup resource ran with: the provisioning check runs them again.</summary>
    private static async Task<ProvisioningOptions> TunnelOptionsAsync(StackFixture stack)
    {
        var env = await stack.EnvironmentOfAsync("tunnel-setup");
        string Get(string key) => env.TryGetValue($"Provisioning__{key}", out var v) && v is not null ? v : throw new InvalidOperationException($"tunnel-setup has no Provisioning__{key}");
        return new ProvisioningOptions
        {
            ApiBaseUrl = new Uri(Get("ApiBaseUrl")),
            ApiToken = Get("ApiToken"),
            AccountId = Get("AccountId"),
            ZoneId = Get("ZoneId"),
            Domain = Get("Domain"),
            RouterOrigin = new Uri(Get("RouterOrigin")),
            PveOrigin = new Uri(Get("PveOrigin")),
            Access = bool.Parse(Get("Access")),
        };
    }

    private static (string ClientId, string ClientSecret) ServiceToken(string tunnelSetupOutput)
    {
        var result = JsonSerializer.Deserialize<ProvisioningResult>(File.ReadAllText(tunnelSetupOutput), CloudflareJson.Options)
            ?? throw new InvalidOperationException($"{tunnelSetupOutput} is empty");
        var token = result.ServiceToken ?? throw new InvalidOperationException($"{tunnelSetupOutput} has no service token: was Access provisioned?");
        return (token.ClientId, token.ClientSecret ?? throw new InvalidOperationException("the service token's secret was not recorded"));
    }

    public async Task DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}

/// <summary>The suite's checks share one run; they run alone, after the unit collections, since they time sandboxes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SuiteCollection : ICollectionFixture<SuiteFixture>
{
    public const string Name = "conformance suite";
}

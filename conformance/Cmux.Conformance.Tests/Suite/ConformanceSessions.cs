using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cmux.Cloudflare.Api;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Conformance.Providers.Pve;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Pve;
using Cmux.Fakes.RunPki;
using Cmux.Provisioning;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// Builds the run's two provider sessions. Against the fakes, both providers talk to the stack:
/// PVE through the fake PVE API, its URLs through the edge (TLS from the run's CA, Access with the
/// service token the tunnel setup made); Morph through the fake API and its gateway. In real mode
/// the same providers get their endpoints and credentials from the environment.
/// </summary>
public static class ConformanceSessions
{
    public static ConformanceContext Create(SuiteSettings settings, StackFixture stack)
    {
        var sessions = settings.IsReal ? Real() : Fakes(stack);
        return new ConformanceContext(settings, sessions.ToDictionary(s => s.Name));
    }

    private static ProviderSession[] Fakes(StackFixture stack)
    {
        var ca = stack.LoadCa();
        var edge = stack.Endpoint("edge", "https");
        var gateway = stack.Endpoint("morph", "gateway");
        var token = ServiceToken(Path.Combine(stack.RunDirectory, "tunnel-setup.json"));

        var pve = new PveProvider(new PveProviderOptions
        {
            ApiUrl = stack.Endpoint("pve"),
            TokenId = "root@pam!cmux",
            TokenSecret = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!,
            Domain = FakeAccount.Domain,
            PollInterval = TimeSpan.FromMilliseconds(200),
            TaskTimeout = TimeSpan.FromMinutes(2),
            PublicEndpoint = new DnsEndPoint(edge.Host, edge.Port),
            PublicTrust = ca,
            AccessClientId = token.ClientId,
            AccessClientSecret = token.ClientSecret,
        });
        var morph = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = new Uri(stack.Endpoint("morph"), "/api/"),
            ApiKey = MorphFakeApp.DefaultApiKeys[0],
            SnapshotId = MorphFakeApp.DefaultSnapshots[0],
            PollInterval = TimeSpan.FromMilliseconds(200),
            GatewayHandler = () => ResolvingHandler.Create(new DnsEndPoint(gateway.Host, gateway.Port), ca),
        });
        return
        [
            new ProviderSession(pve.Name, pve, PveCapabilities(access: true, tunnel: true, idleTimeout: true, testEndpoints: true),
                PveExpectations(FakeAccount.Domain, StackFixture.EdgeWebSocketIdleTimeout,
                    new BrowserRoute($"MAP *.{FakeAccount.Domain} {edge.Host}:{edge.Port}, MAP * ~NOTFOUND", stack.CaPem))),
            new ProviderSession(morph.Name, morph, MorphCapabilities(testEndpoints: true),
                MorphExpectations(morph.Options.GatewayDomain,
                    new BrowserRoute($"MAP *.{morph.Options.GatewayDomain} {gateway.Host}:{gateway.Port}, MAP * ~NOTFOUND", stack.CaPem))),
        ];
    }

    private static ProviderSession[] Real()
    {
        var pveOptions = PveProviderOptions.FromEnvironment()
            ?? throw new InvalidOperationException($"CMUX_MODE=real needs {PveProviderOptions.UrlVariable} and its credentials.");
        var pve = new PveProvider(pveOptions);
        var pveSession = new ProviderSession(pve.Name, pve,
            PveCapabilities(access: pveOptions.AccessHeaders.Count > 0, tunnel: ProvisioningFromEnvironment() is not null, idleTimeout: false, testEndpoints: false),
            PveExpectations(pveOptions.Domain, idleTimeout: null, browser: null));

        var morphOptions = MorphProviderOptions.FromEnvironment();
        var morphSession = morphOptions is null
            ? ProviderSession.Unavailable("morph", "no Morph API key: set MORPH_API_KEY and MORPH_SNAPSHOT_ID to compare against Morph")
            : new ProviderSession("morph", new MorphProvider(morphOptions), MorphCapabilities(testEndpoints: false),
                MorphExpectations(morphOptions.GatewayDomain, browser: null));
        return [pveSession, morphSession];
    }

    private static HashSet<string> PveCapabilities(bool access, bool tunnel, bool idleTimeout, bool testEndpoints)
    {
        var capabilities = new HashSet<string> { Capability.PauseResume };
        if (access)
        {
            capabilities.Add(Capability.CloudflareAccess);
        }
        if (tunnel)
        {
            capabilities.Add(Capability.TunnelProvisioning);
        }
        if (idleTimeout)
        {
            capabilities.Add(Capability.WebSocketIdleTimeout);
        }
        if (testEndpoints)
        {
            capabilities.Add(Capability.TestEndpoints);
        }
        return capabilities;
    }

    // Morph has no Cloudflare Access, no tunnel, and no idle timeout we know of: those checks are skipped, by name.
    private static HashSet<string> MorphCapabilities(bool testEndpoints) =>
        testEndpoints ? [Capability.PauseResume, Capability.TestEndpoints] : [Capability.PauseResume];

    private static ProviderExpectations PveExpectations(string domain, TimeSpan? idleTimeout, BrowserRoute? browser) => new(
        new Regex($@"^port-\d{{1,5}}-vm-\d+\.{Regex.Escape(domain)}$"),
        domain,
        UnknownSandboxStatus: HttpStatusCode.BadGateway,
        ClosedPortStatus: HttpStatusCode.BadGateway,
        Nonexistent: new SandboxHandle("pve", "65000", TimeSpan.Zero),
        StopDestroys: false,
        idleTimeout,
        browser);

    private static ProviderExpectations MorphExpectations(string gatewayDomain, BrowserRoute? browser) => new(
        new Regex($@"^port-\d{{1,5}}-morphvm-[a-z0-9]+\.{Regex.Escape(gatewayDomain)}$"),
        gatewayDomain,
        UnknownSandboxStatus: HttpStatusCode.NotFound,
        ClosedPortStatus: HttpStatusCode.NotFound,
        Nonexistent: new SandboxHandle("morph", "morphvm_doesnotexist", TimeSpan.Zero),
        StopDestroys: true,
        WebSocketIdleTimeout: null,
        browser);

    private static (string ClientId, string ClientSecret) ServiceToken(string tunnelSetupOutput)
    {
        var result = JsonSerializer.Deserialize<ProvisioningResult>(File.ReadAllText(tunnelSetupOutput), CloudflareJson.Options)
            ?? throw new InvalidOperationException($"{tunnelSetupOutput} is empty");
        var token = result.NewServiceToken ?? throw new InvalidOperationException($"{tunnelSetupOutput} has no service token: was Access provisioned?");
        return (token.ClientId, token.ClientSecret ?? throw new InvalidOperationException("the service token's secret was not recorded"));
    }

    /// <summary>The real Cloudflare account, for the provisioning check's dry run; null when not configured.</summary>
    public static ProvisioningOptions? ProvisioningFromEnvironment()
    {
        string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        if (Get("CF_API_TOKEN") is not { } token || Get("CF_ACCOUNT_ID") is not { } account || Get("CF_ZONE_ID") is not { } zone
            || Get("CMUX_DOMAIN") is not { } domain)
        {
            return null;
        }
        return new ProvisioningOptions { ApiToken = token, AccountId = account, ZoneId = zone, Domain = domain };
    }
}

using System.Net;
using System.Text.Json;
using Cmux.Cloudflare.Api;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;
using Cmux.Conformance.Runtime;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Pve;
using Cmux.Fakes.RunPki;
using Cmux.Provisioning;

namespace Cmux.AppHost.Tests;

/// <summary>The composed stack, started once for every test of this project that needs it.</summary>
public sealed class AppHostStack : CmuxStack<Projects.Cmux_AppHost>
{
    /// <summary>
    /// A PVE provider over the stack as cmux uses it: the PVE API of the fake, the sandboxes' URLs
    /// through <paramref name="publicEndpoint"/> (the router by Host header, or the edge with TLS
    /// from <paramref name="trust"/> and the service token the tunnel setup made).
    /// </summary>
    public PveProvider PveProvider(DnsEndPoint publicEndpoint, TrustedRoots? trust = null)
    {
        var access = trust is null ? null : ServiceToken();
        return new PveProvider(new PveProviderOptions
        {
            ApiUrl = Endpoint("pve"),
            TokenId = "root@pam!cmux",
            TokenSecret = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!,
            Domain = FakeAccount.Domain,
            Profile = Profile,
            // eng/test.sh gives every stack job a vmid range of its own: sandbox addresses follow vmids.
            FirstVmid = RealProviders.FirstVmid(),
            PollInterval = TimeSpan.FromMilliseconds(200),
            TaskTimeout = TimeSpan.FromMinutes(2),
            PublicScheme = trust is null ? "http" : "https",
            Route = new PublicRoute(publicEndpoint, trust),
            AccessClientId = access?.ClientId,
            AccessClientSecret = access?.ClientSecret,
        });
    }

    private ServiceToken ServiceToken()
    {
        var result = JsonSerializer.Deserialize<ProvisioningResult>(File.ReadAllText(TunnelSetupOutput), CloudflareJson.Options)
            ?? throw new InvalidOperationException($"{TunnelSetupOutput} is empty");
        return result.ServiceToken ?? throw new InvalidOperationException($"{TunnelSetupOutput} has no service token: was Access provisioned?");
    }
}

/// <summary>
/// Every test that needs the composed stack joins this collection, so the AppHost starts once. It runs
/// alone: its tests time sandboxes and carry load through the chain.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StackCollection : ICollectionFixture<AppHostStack>
{
    public const string Name = "stack";
}

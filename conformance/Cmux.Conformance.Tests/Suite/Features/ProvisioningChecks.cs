using Cmux.Cloudflare.Api;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Provisioning;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class ProvisioningChecks(StackFixture stack) : ConformanceTests(stack)
{
    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public Task Tunnel_and_dns_setup_is_idempotent() => CheckAsync(CheckCatalog.Provisioning.Idempotent, async _ =>
    {
        // Against the fakes: the AppHost ran the setup once at start; run it again for real. Against a real
        // account: a dry run, so the check never changes production DNS.
        var real = Stack.Conformance.Settings.IsReal;
        var options = real ? ConformanceSessions.ProvisioningFromEnvironment()! : await StackOptionsAsync();
        options.DryRun = real;
        using var http = CloudflareApiClient.CreateHttpClient(options.ApiBaseUrl, options.ApiToken);
        var api = new CloudflareApiClient(http, options.AccountId, options.ZoneId);

        var again = await new TunnelProvisioner(api, options, TextWriter.Null).RunAsync(Timeout());
        again.Changes.ShouldBeEmpty("a second run changed: " + string.Join("; ", again.Changes));
        (await api.ListTunnelsAsync(options.TunnelName, ct: Timeout())).Count.ShouldBe(1);
        (await api.ListDnsRecordsAsync($"*.{options.Domain}", ct: Timeout())).Count.ShouldBe(1);
    });

    /// <summary>The options the AppHost's tunnel-setup resource ran with.</summary>
    private async Task<ProvisioningOptions> StackOptionsAsync()
    {
        var env = await Stack.EnvironmentOfAsync("tunnel-setup", Timeout());
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
}

public sealed class PveProvisioningChecks(StackFixture stack) : ProvisioningChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphProvisioningChecks(StackFixture stack) : ProvisioningChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}

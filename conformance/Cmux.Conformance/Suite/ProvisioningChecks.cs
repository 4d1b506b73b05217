using Cmux.Cloudflare.Api;
using Cmux.Conformance.Checks;
using Cmux.Provisioning;

namespace Cmux.Conformance.Suite;

/// <summary>The tunnel, ingress, DNS and Access setup behind the provider's URLs (docs/contracts.md §7).</summary>
public static class ProvisioningChecks
{
    public static readonly ConformanceCheck Idempotent = new()
    {
        ShortName = "provisioning-idempotent",
        Feature = Features.Provisioning,
        Description = "Running the tunnel and DNS setup again changes nothing and creates no duplicates.",
        Needs = [Capability.TunnelProvisioning],
        Test = async c =>
        {
            // The stack ran the setup once at start; this runs it again. Against a real account the
            // options say dry run, so the check never changes production DNS.
            var options = c.Provider.Tunnel ?? throw new InvalidOperationException("the provider supports tunnel provisioning but names no tunnel");
            using var http = CloudflareApiClient.CreateHttpClient(options.ApiBaseUrl, options.ApiToken);
            var api = new CloudflareApiClient(http, options.AccountId, options.ZoneId);

            var again = await new TunnelProvisioner(api, options, TextWriter.Null).RunAsync(c.Timeout());
            again.Changes.ShouldBeEmpty("a second run changed: " + string.Join("; ", again.Changes));
            (await api.ListTunnelsAsync(options.TunnelName, ct: c.Timeout())).Count.ShouldBe(1);
            (await api.ListDnsRecordsAsync($"*.{options.Domain}", ct: c.Timeout())).Count.ShouldBe(1);
        },
    };
}

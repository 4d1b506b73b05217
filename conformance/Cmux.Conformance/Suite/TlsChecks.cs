using System.Security.Authentication;
using Cmux.Conformance.Checks;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>TLS reachability: a chain that validates for every sandbox URL, and the wildcard's one-label limit.</summary>
public static class TlsChecks
{
    public static readonly ConformanceCheck Chain = new()
    {
        ShortName = "tls-valid-chain",
        Feature = Features.Tls,
        Description = "Every sandbox URL answers over HTTPS with a chain that validates for its host.",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            // The provider's handler verifies the chain and the name strictly (the run's roots, or the system's).
            using var client = c.CreateClient();
            foreach (var port in SandboxPorts.All)
            {
                var url = c.Provider.UrlFor(sandbox, port);
                url.Scheme.ShouldBe("https", $"{url} is not served over HTTPS");
                using var request = new HttpRequestMessage(HttpMethod.Head, url);
                using var response = await client.SendAsync(request, c.Timeout());
                ((int)response.StatusCode).ShouldBeLessThan(500, $"{url} answered {(int)response.StatusCode}");
            }
        },
    };

    public static readonly ConformanceCheck OneLabel = new()
    {
        ShortName = "tls-one-label",
        Feature = Features.Tls,
        Description = "A name two labels under the domain fails verification (the wildcard covers one label).",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            var good = c.Provider.UrlFor(sandbox, SandboxPorts.VsCode);
            var domain = c.Documented.Domain;
            var twoLabels = new UriBuilder(good) { Host = good.Host.Replace("." + domain, ".sub." + domain, StringComparison.Ordinal) }.Uri;
            using var client = c.CreateClient();
            var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(twoLabels, c.Timeout()));
            failure.InnerException.ShouldBeOfType<AuthenticationException>($"{twoLabels.Host} should fail TLS verification, failed with: {failure.Message}");
            (await client.GetAsync(good, c.Timeout())).Dispose();
        },
    };
}

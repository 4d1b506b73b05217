using System.Security.Authentication;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class TlsChecks(StackFixture stack) : ConformanceTests(stack)
{
    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Tls)]
    public Task Every_sandbox_url_has_a_valid_chain() => CheckAsync(CheckCatalog.Tls.Chain, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        // The provider's handler verifies the chain and the name strictly (the run's CA in fake mode, the system's in real mode).
        using var client = s.CreateClient();
        foreach (var port in SandboxPorts.All)
        {
            var url = s.Provider.UrlFor(sandbox, port);
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await client.SendAsync(request, Timeout());
            url.Scheme.ShouldBe("https");
            ((int)response.StatusCode).ShouldBeLessThan(500, $"{url} answered {(int)response.StatusCode}");
        }
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Tls)]
    public Task Two_label_names_fail_verification() => CheckAsync(CheckCatalog.Tls.OneLabel, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var good = s.Provider.UrlFor(sandbox, SandboxPorts.VsCode);
        var twoLabels = new UriBuilder(good) { Host = good.Host.Replace("." + s.Expectations.Domain, ".sub." + s.Expectations.Domain, StringComparison.Ordinal) }.Uri;
        using var client = s.CreateClient();
        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(twoLabels, Timeout()));
        failure.InnerException.ShouldBeOfType<AuthenticationException>($"{twoLabels.Host} should fail TLS verification, failed with: {failure.Message}");
        (await client.GetAsync(good, Timeout())).Dispose();
    });
}

public sealed class PveTlsChecks(StackFixture stack) : TlsChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphTlsChecks(StackFixture stack) : TlsChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}

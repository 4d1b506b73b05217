using System.Net;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class AccessChecks(StackFixture stack) : ConformanceTests(stack)
{
    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Access)]
    public Task Urls_refuse_requests_without_credentials() => CheckAsync(CheckCatalog.Access.Refused, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        using var anonymous = s.CreateClient(authenticated: false);
        foreach (var port in SandboxPorts.All)
        {
            using var response = await anonymous.GetAsync(s.Provider.UrlFor(sandbox, port), Timeout());
            response.StatusCode.ShouldBeOneOf([HttpStatusCode.Found, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden],
                $"port {port} answered {(int)response.StatusCode} without Access credentials");
        }
        // execd is the one that matters most: reachable without Access is a failure, whatever execd's own auth.
        using var exec = new StringContent("{\"command\":\"id\"}", System.Text.Encoding.UTF8, "application/json");
        using var execResponse = await anonymous.PostAsync(new Uri(s.Provider.UrlFor(sandbox, SandboxPorts.Execd), "/exec"), exec, Timeout());
        execResponse.StatusCode.ShouldBeOneOf([HttpStatusCode.Found, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden]);
        Recorder.Observe("url-auth", s.Name, $"Cloudflare Access: {(int)execResponse.StatusCode} without credentials");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Access)]
    public Task Service_tokens_pass() => CheckAsync(CheckCatalog.Access.ServiceToken, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        using var client = s.CreateClient();
        using var response = await client.GetAsync(new Uri(s.Provider.UrlFor(sandbox, SandboxPorts.VsCode), "/_cmux/echo"), Timeout());
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        if (s.Capabilities.Contains(Capability.TestEndpoints))
        {
            var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout())).RootElement;
            echo.GetProperty("headers").EnumerateArray()
                .Any(h => h[0].GetString()!.Equals("Cf-Access-Jwt-Assertion", StringComparison.OrdinalIgnoreCase))
                .ShouldBeTrue("the origin did not receive Cf-Access-Jwt-Assertion");
        }
    });
}

public sealed class PveAccessChecks(StackFixture stack) : AccessChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphAccessChecks(StackFixture stack) : AccessChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}

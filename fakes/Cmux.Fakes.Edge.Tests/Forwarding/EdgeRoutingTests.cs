using System.Net;

namespace Cmux.Fakes.Edge.Tests.Forwarding;

/// <summary>Routing by the tunnel's current remote configuration, and the request the origin receives.</summary>
public sealed class EdgeRoutingTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task The_origin_sees_the_visitors_host_and_cloudflareds_headers()
    {
        using var client = stack.CreateClient();

        using var response = await client.SendAsync(Authorized("https://port-39378-vm-200.example.test/p/q?r=s"));

        var echoed = await EdgeStack.EchoAsync(response);
        (echoed.Host, echoed.Path, echoed.Query, echoed.Scheme).ShouldBe(("port-39378-vm-200.example.test", "/p/q", "?r=s", "http"));
        echoed.Header("X-Forwarded-Proto").ShouldBe("https");
        echoed.Header("X-Forwarded-For").ShouldBe("127.0.0.1");
        echoed.Header("Cf-Connecting-Ip").ShouldBe("127.0.0.1");
        echoed.Header("Cf-Visitor").ShouldBe("""{"scheme":"https"}""");
        echoed.Header("Cf-Warp-Tag-Id").ShouldBe(stack.Provisioned.TunnelId);
        echoed.Header("Cf-Ray").ShouldBe(response.Headers.GetValues("CF-RAY").Single());
        response.Headers.GetValues("Server").ShouldBe(["cloudflare"]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task The_pve_name_reaches_a_self_signed_https_origin_with_no_tls_verify()
    {
        using var client = stack.CreateClient();

        using var response = await client.SendAsync(Authorized("https://pve.example.test/api2/json/version"));

        var echoed = await EdgeStack.EchoAsync(response);
        (echoed.Scheme, echoed.Host, echoed.Path).ShouldBe(("https", "pve.example.test", "/api2/json/version"));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Visitors_cannot_forge_the_edges_headers()
    {
        using var client = stack.CreateClient();
        var request = Authorized("https://port-1-vm-2.example.test/");
        request.Headers.Add("Cf-Connecting-Ip", "203.0.113.9");
        request.Headers.Add("Cf-Access-Jwt-Assertion", "forged");

        var echoed = await EdgeStack.EchoAsync(await client.SendAsync(request));

        echoed.Header("Cf-Connecting-Ip").ShouldBe("127.0.0.1");
        echoed.Header("Cf-Access-Jwt-Assertion").ShouldNotBe("forged");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Names_without_a_tunnel_record_fail_with_cloudflares_error()
    {
        using var client = stack.CreateClient();

        using var response = await client.SendAsync(Authorized("https://example.test/"));

        ((int)response.StatusCode).ShouldBe(530);
        (await response.Content.ReadAsStringAsync()).ShouldBe("error code: 1016");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task The_optional_browser_integrity_check_refuses_scripts_with_error_1010()
    {
        var strict = await stack.StartEdgeAsync(new Dictionary<string, string?> { ["Edge:BlockNonBrowserUserAgents"] = "true" });
        using var client = stack.CreateClient(strict);
        var script = Authorized("https://port-1-vm-2.example.test/");
        script.Headers.Add("User-Agent", "curl/8.5.0");
        var browser = Authorized("https://port-1-vm-2.example.test/");
        browser.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0");

        using var refused = await client.SendAsync(script);
        using var passed = await client.SendAsync(browser);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldBe("error code: 1010");
        passed.StatusCode.ShouldBe(HttpStatusCode.OK);
        // Off by default: the shared edge lets the same script through.
        using var lenient = stack.CreateClient();
        var again = Authorized("https://port-1-vm-2.example.test/");
        again.Headers.Add("User-Agent", "curl/8.5.0");
        (await lenient.SendAsync(again)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private HttpRequestMessage Authorized(string url) => stack.Authorized(url);
}

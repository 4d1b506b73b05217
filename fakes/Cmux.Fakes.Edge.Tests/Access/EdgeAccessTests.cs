using System.Net;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Edge.Access;

namespace Cmux.Fakes.Edge.Tests.Access;

/// <summary>Zero Trust Access at the edge: <c>*.example.test</c> is provisioned behind a Service Auth policy for one service token.</summary>
public sealed class EdgeAccessTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    private const string Url = "https://port-39378-vm-200.example.test/";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_service_token_passes_sets_the_cookie_and_the_origin_gets_the_jwt()
    {
        using var client = stack.CreateClient();

        using var response = await client.SendAsync(WithToken(Get(Url), stack.ServiceToken.ClientId, stack.ServiceToken.ClientSecret!));

        var echoed = await EdgeStack.EchoAsync(response);
        var cookie = AccessCookie(response);
        cookie.ShouldNotBeNull();
        echoed.Header("Cf-Access-Jwt-Assertion").ShouldBe(cookie);
        cookie.Split('.').Length.ShouldBe(3);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Missing_or_wrong_credentials_are_refused(bool sendId, bool wrongSecret)
    {
        using var client = stack.CreateClient();
        var request = Get(Url);
        if (sendId)
        {
            WithToken(request, stack.ServiceToken.ClientId, wrongSecret ? "not-the-secret" : "");
        }

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        AccessCookie(response).ShouldBeNull();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task The_cookie_alone_lets_the_next_request_through()
    {
        using var client = stack.CreateClient();
        using var first = await client.SendAsync(WithToken(Get(Url), stack.ServiceToken.ClientId, stack.ServiceToken.ClientSecret!));
        var cookie = AccessCookie(first)!;

        var request = Get(Url + "again");
        request.Headers.Add("Cookie", $"{AccessGate.CookieName}={cookie}");
        using var second = await client.SendAsync(request);

        (await EdgeStack.EchoAsync(second)).Header("Cf-Access-Jwt-Assertion").ShouldBe(cookie);
        AccessCookie(second).ShouldBeNull();

        var forged = Get(Url);
        forged.Headers.Add("Cookie", $"{AccessGate.CookieName}={cookie[..^4]}AAAA");
        (await client.SendAsync(forged)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_browser_is_redirected_to_the_login_page_and_an_api_client_refused()
    {
        using var client = stack.CreateClient();
        var browser = Get(Url + "page?x=1");
        browser.Headers.Add("Accept", "text/html,application/xhtml+xml");
        browser.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0");
        var api = Get(Url + "page?x=1");
        api.Headers.Add("Accept", "application/json");

        using var redirected = await client.SendAsync(browser);
        using var refused = await client.SendAsync(api);

        redirected.StatusCode.ShouldBe(HttpStatusCode.Found);
        redirected.Headers.Location!.ToString().ShouldStartWith("https://cmux.cloudflareaccess.com/cdn-cgi/access/login/port-39378-vm-200.example.test?");
        redirected.Headers.Location.Query.ShouldContain("redirect_url=%2Fpage%3Fx%3D1");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task Bypass_paths_pass_without_credentials_and_the_most_specific_application_wins()
    {
        var everyone = new JsonArray(new JsonObject { ["everyone"] = new JsonObject() });
        var api = await stack.ApiClient.CreateAccessApplicationAsync("api", "*.example.test/api");
        await stack.ApiClient.CreateAccessPolicyAsync(api.Id, new AccessPolicy { Name = "no api", Decision = "deny", Include = (JsonArray)everyone.DeepClone() });
        var webhooks = await stack.ApiClient.CreateAccessApplicationAsync("webhooks", "*.example.test/api/webhook");
        await stack.ApiClient.CreateAccessPolicyAsync(webhooks.Id, new AccessPolicy { Name = "public", Decision = "bypass", Include = (JsonArray)everyone.DeepClone() });
        using var client = stack.CreateClient();

        await EdgeStack.WaitUntilAsync(async () => (await client.GetAsync(Url + "api/webhook/github")).StatusCode == HttpStatusCode.OK,
            "the edge applies the new webhook application");

        using var hook = await client.GetAsync(Url + "api/webhook/github");
        (await EdgeStack.EchoAsync(hook)).Header("Cf-Access-Jwt-Assertion").ShouldBeNull();
        // /api denies everyone, service tokens included: it is more specific than *.example.test.
        (await client.SendAsync(WithToken(Get(Url + "api/users"), stack.ServiceToken.ClientId, stack.ServiceToken.ClientSecret!)))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.GetAsync(Url + "other")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    private static HttpRequestMessage WithToken(HttpRequestMessage request, string id, string secret)
    {
        request.Headers.Add(AccessGate.ClientIdHeader, id);
        request.Headers.Add(AccessGate.ClientSecretHeader, secret);
        return request;
    }

    internal static string? AccessCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Select(c => c.Split(';')[0]).Where(c => c.StartsWith(AccessGate.CookieName + "=", StringComparison.Ordinal))
                .Select(c => c[(AccessGate.CookieName.Length + 1)..]).FirstOrDefault()
            : null;
}

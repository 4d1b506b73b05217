using System.Net;
using System.Text.Json.Nodes;

namespace Cmux.Fakes.Edge.Tests.RemoteConfig;

/// <summary>The edge follows the tunnel's remote configuration as cloudflared does (a stack of its own: it replaces the ingress).</summary>
public sealed class EdgeRemoteConfigTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_new_configuration_is_followed_with_unanchored_paths_and_the_catch_all()
    {
        using var client = stack.CreateClient();
        var config = new JsonObject
        {
            ["ingress"] = new JsonArray(
                new JsonObject { ["hostname"] = "*.example.test", ["path"] = "v[0-9]+/", ["service"] = stack.Origin.Address("http").GetLeftPart(UriPartial.Authority) },
                new JsonObject { ["service"] = "http_status:418" }),
        };

        await stack.ApiClient.PutTunnelConfigurationAsync(stack.Provisioned.TunnelId!, config);
        await EdgeStack.WaitUntilAsync(async () => (await client.SendAsync(Authorized("https://a.example.test/"))).StatusCode == (HttpStatusCode)418,
            "the edge follows the new configuration");

        (await client.SendAsync(Authorized("https://a.example.test/api/v2/items"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.SendAsync(Authorized("https://b.example.test/x/v10/"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.SendAsync(Authorized("https://a.example.test/api/vx/items"))).StatusCode.ShouldBe((HttpStatusCode)418);
    }

    private HttpRequestMessage Authorized(string url) => stack.Authorized(url);
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Cloudflare.Ingress;

namespace Cmux.Fakes.Cloudflare.Tests.Tunnels;

public sealed class TunnelApiTests : CloudflareApiTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_tunnel_is_created_found_by_name_and_unique_among_live_tunnels()
    {
        var tunnel = await Api.CreateTunnelAsync("t1");
        tunnel.AccountTag.ShouldBe(FakeAccount.AccountId);
        tunnel.TunType.ShouldBe("cfd_tunnel");
        tunnel.Status.ShouldBe("inactive");
        Guid.TryParse(tunnel.Id, out _).ShouldBeTrue();

        (await Api.ListTunnelsAsync("t1")).Select(t => t.Id).ShouldBe([tunnel.Id]);
        (await Api.ListTunnelsAsync("t2")).ShouldBeEmpty();

        var duplicate = await Should.ThrowAsync<CloudflareApiException>(() => Api.CreateTunnelAsync("t1"));
        duplicate.Errors.Select(e => e.Code).ShouldBe([1013]);

        (await Http.DeleteAsync($"accounts/{FakeAccount.AccountId}/cfd_tunnel/{tunnel.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Api.ListTunnelsAsync("t1", isDeleted: false)).ShouldBeEmpty();
        (await Api.ListTunnelsAsync("t1", isDeleted: true)).Single().DeletedAt.ShouldNotBeNull();
        (await Api.CreateTunnelAsync("t1")).Id.ShouldNotBe(tunnel.Id);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task The_token_is_base64_json_of_account_tunnel_and_secret()
    {
        var tunnel = await Api.CreateTunnelAsync("t1");
        var token = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(await Api.GetTunnelTokenAsync(tunnel.Id))))!.AsObject();

        token.Select(p => p.Key).ShouldBe(["a", "t", "s"], ignoreOrder: true);
        token["a"]!.GetValue<string>().ShouldBe(FakeAccount.AccountId);
        token["t"]!.GetValue<string>().ShouldBe(tunnel.Id);
        Convert.FromBase64String(token["s"]!.GetValue<string>()).Length.ShouldBeGreaterThanOrEqualTo(32);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Configurations_are_versioned_and_read_back_as_put()
    {
        var tunnel = await Api.CreateTunnelAsync("t1");
        (await Api.GetTunnelConfigurationAsync(tunnel.Id)).Version.ShouldBe(0);
        var config = Config("""[{"hostname": "*.example.test", "service": "http://127.0.0.1:8080"}, {"service": "http_status:404"}]""");

        (await Api.PutTunnelConfigurationAsync(tunnel.Id, config)).Version.ShouldBe(1);
        (await Api.PutTunnelConfigurationAsync(tunnel.Id, config)).Version.ShouldBe(2);

        var read = await Api.GetTunnelConfigurationAsync(tunnel.Id);
        read.Version.ShouldBe(2);
        JsonNode.DeepEquals(read.Config, config).ShouldBeTrue();
        (await Api.ListTunnelsAsync("t1")).Single().RemoteConfig.ShouldBeTrue();
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    [InlineData("""[{"hostname": "*.example.test", "service": "http://a:1"}]""", IngressConfiguration.LastRuleNotCatchAll)]
    [InlineData("""[{"hostname": "*.example.test", "path": "/x", "service": "http://a:1"}, {"path": "/y", "service": "http_status:404"}]""", IngressConfiguration.LastRuleNotCatchAll)]
    [InlineData("""[{"service": "http://a:1"}, {"service": "http_status:404"}]""", "Rule #1 is matching the hostname '', but this will match every hostname, meaning the rules which follow it will never be triggered.")]
    [InlineData("""[{"hostname": "*", "service": "http://a:1"}, {"service": "http_status:404"}]""", "Rule #1 is matching the hostname '*', but this will match every hostname")]
    [InlineData("""[{"hostname": "port-*.example.test", "service": "http://a:1"}, {"service": "http_status:404"}]""", IngressConfiguration.BadWildcard)]
    [InlineData("""[{"hostname": "*.*.example.test", "service": "http://a:1"}, {"service": "http_status:404"}]""", IngressConfiguration.BadWildcard)]
    [InlineData("""[{"hostname": "a.example.test:8443", "service": "http://a:1"}, {"service": "http_status:404"}]""", IngressConfiguration.HostnameContainsPort)]
    [InlineData("""[{"hostname": "a.example.test", "service": "http://a:1/app"}, {"service": "http_status:404"}]""", "http://a:1/app is an invalid address, ingress rules don't support proxying to a different path on the origin service.")]
    [InlineData("""[{"hostname": "a.example.test", "service": "localhost:8080"}, {"service": "http_status:404"}]""", "localhost:8080 is an invalid address, please make sure it has a scheme and a hostname")]
    [InlineData("""[{"hostname": "a.example.test", "path": "*", "service": "http://a:1"}, {"service": "http_status:404"}]""", "Rule #1 has an invalid regex")]
    [InlineData("""[]""", IngressConfiguration.NoRules)]
    public async Task Invalid_ingress_is_refused_with_cloudflareds_message(string ingress, string message)
    {
        var tunnel = await Api.CreateTunnelAsync("t1");

        using var response = await Http.PutAsJsonAsync($"accounts/{FakeAccount.AccountId}/cfd_tunnel/{tunnel.Id}/configurations", new { config = Config(ingress) });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!;
        error["code"]!.GetValue<int>().ShouldBe(1055);
        error["message"]!.GetValue<string>().ShouldStartWith($"Bad Configuration: Validation failed: {message}");
        (await Api.GetTunnelConfigurationAsync(tunnel.Id)).Version.ShouldBe(0);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Calls_need_a_known_bearer_token_and_this_account()
    {
        using var anonymous = new HttpClient { BaseAddress = Http.BaseAddress };
        using var wrongToken = CreateHttpClient("not-a-token");
        var path = $"accounts/{FakeAccount.AccountId}/cfd_tunnel";

        await ShouldFailAsync(await anonymous.GetAsync(path), HttpStatusCode.BadRequest, 6003);
        await ShouldFailAsync(await wrongToken.GetAsync(path), HttpStatusCode.Forbidden, 10000);
        await ShouldFailAsync(await Http.GetAsync("accounts/ffffffffffffffffffffffffffffffff/cfd_tunnel"), HttpStatusCode.Forbidden, 9109);
    }

    internal static async Task ShouldFailAsync(HttpResponseMessage response, HttpStatusCode status, int code)
    {
        response.StatusCode.ShouldBe(status);
        var envelope = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        envelope["success"]!.GetValue<bool>().ShouldBeFalse();
        envelope["errors"]![0]!["code"]!.GetValue<int>().ShouldBe(code);
    }

    private static JsonObject Config(string ingress) => new() { ["ingress"] = JsonNode.Parse(ingress) };
}

using System.Text.Json.Nodes;
using Cmux.Cloudflare.Ingress;

namespace Cmux.Cloudflare.Tests.Ingress;

/// <summary>cloudflared's ingress rules: how a validated configuration picks a rule.</summary>
public sealed class IngressRuleTests
{
    private static readonly IngressConfiguration Ingress = IngressConfiguration.TryParse(JsonNode.Parse("""
        {"ingress": [
          {"hostname": "pve.example.test", "service": "https://10.0.0.1:8006", "originRequest": {"noTLSVerify": true}},
          {"hostname": "*.example.test", "path": "api/v[0-9]+", "service": "http://127.0.0.1:9000"},
          {"hostname": "*.example.test", "service": "http://127.0.0.1:8080"},
          {"service": "http_status:404"}
        ]}
        """)!.AsObject(), out _)!;

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    [InlineData("pve.example.test", "/api2/json/version", "https://10.0.0.1:8006")]
    [InlineData("port-1-vm-2.example.test", "/", "http://127.0.0.1:8080")]
    [InlineData("a.b.c.example.test", "/", "http://127.0.0.1:8080")]
    [InlineData("port-1-vm-2.example.test", "/x/api/v2/y", "http://127.0.0.1:9000")]
    [InlineData("port-1-vm-2.example.test", "/api/vx", "http://127.0.0.1:8080")]
    [InlineData("example.test", "/", "http_status:404")]
    [InlineData("other.test", "/", "http_status:404")]
    [InlineData("evilexample.test", "/", "http_status:404")]
    public void A_request_takes_the_first_matching_rule(string host, string path, string service) =>
        Ingress.Match(host, path).Service.Text.ShouldBe(service);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public void Rule_origin_settings_override_the_defaults()
    {
        Ingress.Match("pve.example.test", "/").OriginRequest.NoTlsVerify.ShouldBeTrue();
        Ingress.Match("x.example.test", "/").OriginRequest.NoTlsVerify.ShouldBeFalse();
        Ingress.Match("x.example.test", "/").OriginRequest.ConnectTimeout.ShouldBe(TimeSpan.FromSeconds(10));
    }
}

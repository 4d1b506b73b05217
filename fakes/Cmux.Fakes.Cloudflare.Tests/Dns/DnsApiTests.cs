using System.Net;
using System.Net.Http.Json;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare.Tests.Tunnels;

namespace Cmux.Fakes.Cloudflare.Tests.Dns;

public sealed class DnsApiTests : CloudflareApiTests
{
    private const string Zone = FakeAccount.Domain;

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Records_are_stored_fully_qualified_and_listed_with_filters()
    {
        var wildcard = await Api.CreateDnsRecordAsync(Cname("*", "t.cfargotunnel.com"));
        await Api.CreateDnsRecordAsync(Cname("pve", "t.cfargotunnel.com"));
        await Api.CreateDnsRecordAsync(new DnsRecord { Type = "TXT", Name = "@", Content = "hello" });

        wildcard.Name.ShouldBe($"*.{Zone}");
        wildcard.Proxied.ShouldBe(true);
        wildcard.Proxiable.ShouldBeTrue();
        wildcard.Ttl.ShouldBe(1);
        (await Api.ListDnsRecordsAsync()).Count.ShouldBe(3);
        (await Api.ListDnsRecordsAsync($"*.{Zone}")).Select(r => r.Id).ShouldBe([wildcard.Id]);
        (await Api.ListDnsRecordsAsync(type: "CNAME")).Count.ShouldBe(2);
        (await Api.ListDnsRecordsAsync(Zone, "TXT")).Single().Content.ShouldBe("hello");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    [InlineData("CNAME", "t.cfargotunnel.com", "CNAME", "t.cfargotunnel.com", 81057)]
    [InlineData("A", "192.0.2.1", "CNAME", "t.cfargotunnel.com", 81053)]
    [InlineData("CNAME", "t.cfargotunnel.com", "CNAME", "u.cfargotunnel.com", 81053)]
    [InlineData("CNAME", "t.cfargotunnel.com", "A", "192.0.2.1", 81054)]
    [InlineData("CNAME", "t.cfargotunnel.com", "TXT", "hello", 81054)]
    public async Task A_second_record_for_a_name_fails_with_cloudflares_code(string firstType, string firstContent, string secondType, string secondContent, int code)
    {
        await Api.CreateDnsRecordAsync(new DnsRecord { Type = firstType, Name = "x", Content = firstContent });

        var error = await Should.ThrowAsync<CloudflareApiException>(() =>
            Api.CreateDnsRecordAsync(new DnsRecord { Type = secondType, Name = $"x.{Zone}", Content = secondContent }));

        error.Status.ShouldBe(HttpStatusCode.BadRequest);
        error.Errors.Single().Code.ShouldBe(code);
        (await Api.ListDnsRecordsAsync($"x.{Zone}")).Count.ShouldBe(1);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Records_are_replaced_by_put_merged_by_patch_and_deleted()
    {
        var record = await Api.CreateDnsRecordAsync(Cname("*", "old.cfargotunnel.com") with { Proxied = false });
        var path = $"zones/{FakeAccount.ZoneId}/dns_records/{record.Id}";

        var replaced = await Api.UpdateDnsRecordAsync(record.Id, Cname("*", "new.cfargotunnel.com"));
        replaced.Id.ShouldBe(record.Id);
        replaced.Content.ShouldBe("new.cfargotunnel.com");
        replaced.Proxied.ShouldBe(true);

        using var patched = await Http.PatchAsJsonAsync(path, new { proxied = false, comment = "paused" });
        patched.StatusCode.ShouldBe(HttpStatusCode.OK);
        var stored = (await Api.ListDnsRecordsAsync($"*.{Zone}")).Single();
        (stored.Content, stored.Proxied, stored.Comment).ShouldBe(("new.cfargotunnel.com", false, "paused"));

        (await Http.DeleteAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Api.ListDnsRecordsAsync()).ShouldBeEmpty();
        await TunnelApiTests.ShouldFailAsync(await Http.DeleteAsync(path), HttpStatusCode.NotFound, 81044);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    [InlineData("""{"name": "x", "content": "a"}""")]
    [InlineData("""{"type": "CNAME", "content": "a"}""")]
    [InlineData("""{"type": "CNAME", "name": "x"}""")]
    [InlineData("""{"type": "CNAME", "name": "x", "content": "a", "ttl": 5}""")]
    [InlineData("""{"type": "TXT", "name": "x", "content": "a", "proxied": true}""")]
    public async Task Invalid_records_are_refused(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        await TunnelApiTests.ShouldFailAsync(await Http.PostAsync($"zones/{FakeAccount.ZoneId}/dns_records", content), HttpStatusCode.BadRequest, 1004);
    }

    private static DnsRecord Cname(string name, string target) => new() { Type = "CNAME", Name = name, Content = target, Proxied = true };
}

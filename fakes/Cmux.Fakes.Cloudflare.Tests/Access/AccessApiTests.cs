using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare.Tests.Tunnels;

namespace Cmux.Fakes.Cloudflare.Tests.Access;

public sealed class AccessApiTests : CloudflareApiTests
{
    private static readonly string Access = $"accounts/{FakeAccount.AccountId}/access";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_service_token_secret_is_returned_once_with_201()
    {
        using var created = await Http.PostAsJsonAsync($"{Access}/service_tokens", new { name = "ci" });

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = (await created.Content.ReadFromJsonAsync<JsonObject>())!["result"]!;
        token["client_id"]!.GetValue<string>().ShouldEndWith(".access");
        token["client_secret"]!.GetValue<string>().Length.ShouldBeGreaterThanOrEqualTo(32);
        var listed = (await Api.ListServiceTokensAsync()).Single();
        listed.ClientId.ShouldBe(token["client_id"]!.GetValue<string>());
        listed.ClientSecret.ShouldBeNull();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task Applications_carry_an_audience_and_their_policies_in_precedence_order()
    {
        var app = await Api.CreateAccessApplicationAsync("sandboxes", "*.example.test");
        app.Aud.Length.ShouldBe(64);
        var everyone = new JsonArray(new JsonObject { ["everyone"] = new JsonObject() });

        foreach (var decision in new[] { "non_identity", "bypass", "allow", "deny" })
        {
            await Api.CreateAccessPolicyAsync(app.Id, new AccessPolicy { Name = decision, Decision = decision, Include = (JsonArray)everyone.DeepClone() });
        }

        var read = (await Api.ListAccessApplicationsAsync()).Single();
        read.Policies!.Select(p => (p.Decision, p.Precedence)).ShouldBe([("non_identity", 1), ("bypass", 2), ("allow", 3), ("deny", 4)]);
        (await Api.ListAccessPoliciesAsync(app.Id)).Count.ShouldBe(4);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    [InlineData("""{"name": "p", "decision": "maybe", "include": [{"everyone": {}}]}""")]
    [InlineData("""{"name": "p", "decision": "allow", "include": []}""")]
    [InlineData("""{"decision": "allow", "include": [{"everyone": {}}]}""")]
    public async Task Invalid_policies_are_refused(string body)
    {
        var app = await Api.CreateAccessApplicationAsync("sandboxes", "*.example.test");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        await TunnelApiTests.ShouldFailAsync(await Http.PostAsync($"{Access}/apps/{app.Id}/policies", content), HttpStatusCode.BadRequest, 12130);
        (await Api.ListAccessPoliciesAsync(app.Id)).ShouldBeEmpty();
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Edge.Access;
using Cmux.Fakes.Edge.RemoteConfig;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.Fakes.Edge.Tests.Access;

/// <summary>
/// The edge checks a service token with the API once and then carries it (and the session it
/// issued) for its lifetime, as Cloudflare's edge does; a token deleted or rotated in the API stops
/// working at the edge's next refresh of the API (forced here with <see cref="RemoteConfigPoller.RefreshAsync"/>, no waiting).
/// </summary>
public sealed class EdgeAccessCacheTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    private const string Url = "https://port-39378-vm-201.example.test/";

    private AccessCache Cache => stack.Edge.Services.GetRequiredService<AccessCache>();
    private RemoteConfigPoller Poller => stack.Edge.Services.GetRequiredService<RemoteConfigPoller>();

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_token_is_verified_with_the_api_once_and_its_session_is_reused()
    {
        var token = await NewAuthorizedTokenAsync("cached");
        using var client = stack.CreateClient();
        var before = Cache.Verifications;
        var cookies = new List<string?>();

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.SendAsync(WithToken(token.ClientId, token.ClientSecret!));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            cookies.Add(EdgeAccessTests.AccessCookie(response));
        }

        (Cache.Verifications - before).ShouldBe(1, "four of five requests were answered from the cache");
        cookies.Distinct().ShouldHaveSingleItem().ShouldNotBeNull("one session JWT, signed once");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_deleted_token_and_its_session_are_refused_after_the_next_refresh()
    {
        var token = await NewAuthorizedTokenAsync("deleted");
        using var client = stack.CreateClient();
        using var first = await client.SendAsync(WithToken(token.ClientId, token.ClientSecret!));
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cookie = EdgeAccessTests.AccessCookie(first)!;
        (await client.SendAsync(WithCookie(cookie))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var api = FakeAccount.CreateHttpClient(stack.Api.Url);
        (await api.DeleteAsync($"accounts/{FakeAccount.AccountId}/access/service_tokens/{token.Id}")).EnsureSuccessStatusCode();
        await Poller.RefreshAsync();

        (await client.SendAsync(WithToken(token.ClientId, token.ClientSecret!))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.SendAsync(WithCookie(cookie))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Access)]
    public async Task A_rotated_token_takes_only_its_new_secret_after_the_next_refresh()
    {
        var token = await NewAuthorizedTokenAsync("rotated");
        using var client = stack.CreateClient();
        (await client.SendAsync(WithToken(token.ClientId, token.ClientSecret!))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var rotated = await stack.ApiClient.RotateServiceTokenAsync(token.Id);
        await Poller.RefreshAsync();

        (await client.SendAsync(WithToken(token.ClientId, token.ClientSecret!))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.SendAsync(WithToken(rotated.ClientId, rotated.ClientSecret!))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    // A token of its own, allowed by a Service Auth policy on the sandboxes' application, seen by the edge.
    private async Task<ServiceToken> NewAuthorizedTokenAsync(string name)
    {
        var token = await stack.ApiClient.CreateServiceTokenAsync(name);
        var app = (await stack.ApiClient.ListAccessApplicationsAsync()).Single();
        await stack.ApiClient.CreateAccessPolicyAsync(app.Id, new AccessPolicy
        {
            Name = name,
            Decision = "non_identity",
            Include = [new JsonObject { ["service_token"] = new JsonObject { ["token_id"] = token.Id } }],
        });
        await Poller.RefreshAsync();
        return token;
    }

    private static HttpRequestMessage WithToken(string clientId, string secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Headers.Add(AccessGate.ClientIdHeader, clientId);
        request.Headers.Add(AccessGate.ClientSecretHeader, secret);
        return request;
    }

    private static HttpRequestMessage WithCookie(string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Headers.Add("Cookie", $"{AccessGate.CookieName}={cookie}");
        return request;
    }
}

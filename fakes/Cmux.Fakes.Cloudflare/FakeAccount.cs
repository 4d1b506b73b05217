using Cmux.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare;

/// <summary>
/// The account, zone and token the fake serves when nothing is configured. The AppHost hands the
/// same values to whatever talks to the fake (the tunnel setup, the edge, the router's domain).
/// </summary>
public static class FakeAccount
{
    public const string Token = "cmux-fake-cloudflare-token";
    public const string AccountId = "0123456789abcdef0123456789abcdef";
    public const string ZoneId = "fedcba9876543210fedcba9876543210";
    public const string Domain = "example.test";

    /// <summary>An HTTP client of the API of a fake running at <paramref name="root"/>, with this account's token.</summary>
    public static HttpClient CreateHttpClient(Uri root, HttpMessageHandler? handler = null) =>
        CloudflareApiClient.CreateHttpClient(CloudflareFakeApp.ApiUrl(root), Token, handler);

    /// <summary>The typed client for this account over <paramref name="http"/>.</summary>
    public static CloudflareApiClient CreateClient(HttpClient http) => new(http, AccountId, ZoneId);
}

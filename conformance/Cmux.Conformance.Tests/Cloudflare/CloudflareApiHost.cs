using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare;

namespace Cmux.Conformance.Tests.Cloudflare;

/// <summary>The fake Cloudflare API in the test process, with its default account, zone and token.</summary>
public sealed class CloudflareApiHost : IAsyncDisposable
{
    private readonly InProcessServer _server;

    private CloudflareApiHost(InProcessServer server) => _server = server;

    /// <summary><c>http://127.0.0.1:{port}/client/v4</c>.</summary>
    public Uri BaseUrl => new(_server.Address("http"), CloudflareFakeExtensions.BasePath);

    public static async Task<CloudflareApiHost> StartAsync() => new(await InProcessServer.StartAsync(
        new Dictionary<string, string?>(), builder => builder.AddCloudflareFake(), app => app.MapCloudflareApi()));

    /// <summary>An HTTP client for the API with <paramref name="token"/> as bearer.</summary>
    public HttpClient CreateHttpClient(string token = FakeAccount.Token, HttpMessageHandler? handler = null) =>
        CloudflareApiClient.CreateHttpClient(BaseUrl, token, handler);

    public CloudflareApiClient CreateClient(HttpClient http) => new(http, FakeAccount.AccountId, FakeAccount.ZoneId);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

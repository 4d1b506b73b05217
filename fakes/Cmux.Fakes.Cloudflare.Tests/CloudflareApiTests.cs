using Cmux.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Tests;

/// <summary>
/// The fake Cloudflare API started in-process for each test, with a raw client (<see cref="Http"/>)
/// and the typed one (<see cref="Api"/>), both holding the fake account's token. Tests that record
/// the traffic pass their handler.
/// </summary>
public abstract class CloudflareApiTests(HttpMessageHandler? handler = null) : IAsyncLifetime
{
    protected InProcessApp Fake { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    protected CloudflareApiClient Api { get; private set; } = null!;

    /// <summary>A client of the API with <paramref name="token"/> as bearer.</summary>
    protected HttpClient CreateHttpClient(string token) => CloudflareApiClient.CreateHttpClient(CloudflareFakeApp.ApiUrl(Fake.Url), token);

    public async Task InitializeAsync()
    {
        Fake = await InProcessApp.StartAsync(CloudflareFakeApp.Build);
        Http = FakeAccount.CreateHttpClient(Fake.Url, handler);
        Api = FakeAccount.CreateClient(Http);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Fake.DisposeAsync();
    }
}

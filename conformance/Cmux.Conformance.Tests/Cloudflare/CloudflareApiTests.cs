using Cmux.Cloudflare.Api;

namespace Cmux.Conformance.Tests.Cloudflare;

/// <summary>
/// The fake Cloudflare API started in-process for each test, with a raw client (<see cref="Http"/>)
/// and the typed one (<see cref="Api"/>). Tests that record the traffic pass their handler.
/// </summary>
public abstract class CloudflareApiTests(HttpMessageHandler? handler = null) : IAsyncLifetime
{
    protected CloudflareApiHost ApiHost { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    protected CloudflareApiClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ApiHost = await CloudflareApiHost.StartAsync();
        Http = ApiHost.CreateHttpClient(handler: handler);
        Api = ApiHost.CreateClient(Http);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await ApiHost.DisposeAsync();
    }
}

namespace Cmux.Fakes.Pve.Tests;

/// <summary>
/// The PVE fake started in-process for each test (<see cref="Pve"/>), with an API client holding the
/// default token (<see cref="Api"/>). Subclasses pass extra fake settings, or a handler that records
/// the traffic.
/// </summary>
public abstract class PveFakeTests(string[]? settings = null, HttpMessageHandler? handler = null) : IAsyncLifetime
{
    protected PveFakeServer Pve { get; private set; } = null!;

    protected HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pve = await PveFakeServer.StartAsync(settings ?? []);
        Api = Pve.Client(handler: handler);
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Pve.DisposeAsync();
    }
}

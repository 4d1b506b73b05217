using System.Net;
using Microsoft.AspNetCore.Builder;

namespace Cmux.Testing;

/// <summary>
/// One of our apps in the test process: built by the same method its <c>Program</c> calls, on
/// 127.0.0.1 port 0 with warnings only, then the test's <c>--Key=value</c> settings (the last one of
/// a key wins, so a test may give its own <c>--urls</c>). Stopped on dispose.
/// </summary>
public sealed class InProcessApp : IAsyncDisposable
{
    private static readonly string[] Defaults = ["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"];

    private readonly WebApplication _app;

    private InProcessApp(WebApplication app)
    {
        _app = app;
        Addresses = [.. app.Urls.Select(u => new Uri(u))];
        Client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(90) };
    }

    /// <summary>Every address the app listens on, as bound (the real ports).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>The first plain-HTTP address, or the first one when there is none.</summary>
    public Uri Url => Addresses.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttp) ?? Addresses[0];

    /// <summary>A client of <see cref="Url"/>, disposed with the app.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public Uri Address(string scheme) => Addresses.First(a => a.Scheme == scheme);

    public IPEndPoint Endpoint(string scheme = "http")
    {
        var address = Address(scheme);
        return new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
    }

    public static async Task<InProcessApp> StartAsync(Func<string[], WebApplication> build, params string[] settings)
    {
        var app = build([.. Defaults, .. settings]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new InProcessApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Cloudflare;

/// <summary>A web app started in the test process on ephemeral loopback ports, stopped on dispose.</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    public IReadOnlyList<Uri> Addresses { get; }

    public IServiceProvider Services => _app.Services;

    public Uri Address(string scheme) => Addresses.First(a => a.Scheme == scheme);

    public static async Task<InProcessServer> StartAsync(
        IDictionary<string, string?> settings, Action<WebApplicationBuilder> configure, Action<WebApplication> map, params string[] urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseUrls(urls.Length > 0 ? urls : ["http://127.0.0.1:0"]);
        configure(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.Select(a => new Uri(a)).ToList();
        return new InProcessServer(app, addresses);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

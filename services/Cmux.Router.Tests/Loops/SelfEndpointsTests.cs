using System.Net;
using Cmux.Router.Loops;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Cmux.Router.Tests.Loops;

public sealed class SelfEndpointsTests
{
    private sealed class Listening : IServer
    {
        public Listening(params string[] urls)
        {
            var addresses = new ServerAddressesFeature();
            foreach (var url in urls)
            {
                addresses.Addresses.Add(url);
            }
            Features.Set<IServerAddressesFeature>(addresses);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
            Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private sealed class ServerAddressesFeature : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = [];

        public bool PreferHostingUrls { get; set; }
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    // A wildcard listener owns its port on every local address: the whole of 127/8 included.
    [InlineData("http://0.0.0.0:8080", "127.0.0.1", 8080, true)]
    [InlineData("http://0.0.0.0:8080", "127.1.0.200", 8080, true)]
    [InlineData("http://[::]:8080", "127.1.0.200", 8080, true)]
    [InlineData("http://+:8080", "::1", 8080, true)]
    [InlineData("http://0.0.0.0:8080", "127.1.0.200", 39375, false)]
    [InlineData("http://0.0.0.0:8080", "192.0.2.1", 8080, false)]
    // A listener on one address owns only that address.
    [InlineData("http://127.0.0.1:9000", "127.0.0.1", 9000, true)]
    [InlineData("http://127.0.0.1:9000", "::ffff:127.0.0.1", 9000, true)]
    [InlineData("http://127.0.0.1:9000", "127.0.0.2", 9000, false)]
    [InlineData("http://localhost:5000", "::1", 5000, true)]
    [InlineData("http://localhost:5000", "127.0.0.1", 5001, false)]
    public void Knows_which_endpoints_are_its_own(string listener, string address, int port, bool self) =>
        new SelfEndpoints(new Listening(listener)).IsSelf(new IPEndPoint(IPAddress.Parse(address), port)).ShouldBe(self);
}

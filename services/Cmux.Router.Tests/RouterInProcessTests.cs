using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Cmux.Contract;

namespace Cmux.Router.Tests;

/// <summary>
/// The sandbox host with one sandbox, shared by every test class that needs it: one sandbox id can
/// run only once, so the classes form one collection instead of each owning a fixture.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public const int Id = 4241;

    private DirectoryInfo? _dir;
    private SandboxBackend? _sandboxes;

    public string HostsFile => _sandboxes!.HostsFile;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("cmux-router-inproc-");
        _sandboxes = await SandboxBackend.StartAsync(_dir.FullName, Id);
    }

    public async Task DisposeAsync()
    {
        if (_sandboxes is not null)
        {
            await _sandboxes.DisposeAsync();
        }
        _dir?.Delete(recursive: true);
    }
}

/// <summary>
/// The router app as Program runs it, in-process, in the cmux profile and with operator options,
/// in front of a real sandbox (only names the hosts file lists are used, so no DNS query leaves).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "the sandbox of the router tests";
}

[Collection(SandboxCollection.Name)]
public sealed class RouterInProcessTests(SandboxFixture sandbox)
{
    private const int Port = SandboxPorts.Execd;
    private static readonly string CmuxHost = UrlPatterns.CmuxHost(Port, SandboxNames.Hostname(SandboxFixture.Id), "example.test");

    private async Task<(InProcessApp App, IPEndPoint Endpoint)> StartRouterAsync(params string[] settings)
    {
        var app = await InProcessApp.StartAsync(RouterServices.BuildRouter, [$"--Router:HostsFile={sandbox.HostsFile}", .. settings]);
        return (app, app.Endpoint());
    }

    private static async Task<RawResponse> SendAsync(IPEndPoint router, RawRequest request)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return (await RawHttpConnection.ExchangeAsync(router, [request], cts.Token)).Single();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Cmux_profile_proxies_with_the_upstreams_host_and_open_cors()
    {
        var (app, router) = await StartRouterAsync($"--Router:Profile={Profiles.Cmux}");
        await using var _ = app;

        var response = await SendAsync(router, RawRequest.Of("GET /_cmux/echo HTTP/1.1", $"Host: {CmuxHost}"));
        response.Status.ShouldBe(200);
        response.Header("Access-Control-Allow-Origin").ShouldBe("*");
        var echo = JsonDocument.Parse(response.Body).RootElement;
        echo.GetProperty("sandbox").GetInt32().ShouldBe(SandboxFixture.Id);
        echo.GetProperty("host").GetString().ShouldBe($"{SandboxNames.Hostname(SandboxFixture.Id)}.lan:{Port}");
        echo.GetProperty("headers").EnumerateArray()
            .Single(h => h[0].GetString() == "X-Forwarded-Proto")[1].GetString().ShouldBe("http");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Cmux_profile_answers_preflight_and_unknown_hosts_itself()
    {
        var (app, router) = await StartRouterAsync($"--Router:Profile={Profiles.Cmux}");
        await using var _ = app;

        var preflight = await SendAsync(router, RawRequest.Of("OPTIONS /_cmux/echo HTTP/1.1", $"Host: {CmuxHost}",
            "Origin: https://app.example", "Access-Control-Request-Method: PUT"));
        preflight.Status.ShouldBe(204);
        preflight.Header("Access-Control-Allow-Methods").ShouldBe("GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD");
        preflight.Header("Access-Control-Max-Age").ShouldBe("86400");
        preflight.Body.ShouldBeEmpty();
        // Every OPTIONS, whatever the Host, as cmux's Caddyfile answers it first.
        (await SendAsync(router, RawRequest.Of("OPTIONS / HTTP/1.1", "Host: example.test"))).Status.ShouldBe(204);

        var missing = await SendAsync(router, RawRequest.Of("GET / HTTP/1.1", "Host: example.test:8443"));
        missing.Status.ShouldBe(404);
        missing.BodyText.ShouldBe("cmux sandbox not found. Use format: port-8443-{instanceId}.{domain}");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Allowed_ports_refuse_other_ports_before_dialing()
    {
        var (app, router) = await StartRouterAsync($"--Router:AllowedPorts={Port}");
        await using var _ = app;

        (await SendAsync(router, RawRequest.Of("GET /_cmux/echo HTTP/1.1", $"Host: port-{Port}-vm-{SandboxFixture.Id}.x"))).Status.ShouldBe(200);
        var refused = await SendAsync(router, RawRequest.Of("GET / HTTP/1.1", $"Host: port-22-vm-{SandboxFixture.Id}.x"));
        refused.Status.ShouldBe(403);
        refused.BodyText.ShouldBe("Port 22 is not in Router:AllowedPorts.");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Requests_are_counted_by_route_and_status()
    {
        var (app, router) = await StartRouterAsync();
        await using var _ = app;
        var counted = new List<(string Route, int Status)>();
        // A listener hears every meter in the process, the routers of tests running beside this one
        // too (their 508s once came through): only this app's meter factory made this meter.
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Cmux.Router" && instrument.Name == "cmux.router.requests" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var route = (string)tags.ToArray().Single(t => t.Key == "route").Value!;
            var status = (int)tags.ToArray().Single(t => t.Key == "status").Value!;
            lock (counted)
            {
                counted.Add((route, status));
            }
        });
        listener.Start();

        await SendAsync(router, RawRequest.Of("GET /_cmux/echo HTTP/1.1", $"Host: port-{Port}-vm-{SandboxFixture.Id}.x"));
        await SendAsync(router, RawRequest.Of("GET / HTTP/1.1", "Host: example.com"));
        await SendAsync(router, RawRequest.Of("GET / HTTP/1.1", $"Host: port-0-vm-{SandboxFixture.Id}.x"));

        // A forwarded request is counted once its response has been relayed, which may be just
        // after the client has read it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Count() < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        lock (counted)
        {
            counted.ShouldBe([("sandbox", 200), ("none", 404), ("sandbox", 502)], ignoreOrder: true);
        }

        int Count()
        {
            lock (counted)
            {
                return counted.Count;
            }
        }
    }
}

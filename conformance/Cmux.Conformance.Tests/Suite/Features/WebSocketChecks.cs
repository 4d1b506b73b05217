using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class WebSocketChecks(StackFixture stack) : ConformanceTests(stack)
{
    private static async Task<Uri> EchoUriAsync(ProviderSession s) =>
        WebSockets.EchoUri(s.Provider.UrlFor(await s.SharedSandboxAsync(Timeout()), SandboxPorts.VsCode));

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Text_messages_echo() => CheckAsync(CheckCatalog.WebSocket.Text, async s =>
    {
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout());
        var echoed = await WebSockets.EchoAsync(socket, Encoding.UTF8.GetBytes("hello, sandbox ✓"), WebSocketMessageType.Text, Timeout());
        Encoding.UTF8.GetString(echoed).ShouldBe("hello, sandbox ✓");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Timeout());
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Binary_messages_echo() => CheckAsync(CheckCatalog.WebSocket.Binary, async s =>
    {
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout());
        var data = RandomNumberGenerator.GetBytes(65536);
        (await WebSockets.EchoAsync(socket, data, WebSocketMessageType.Binary, Timeout())).ShouldBe(data);
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Sixteen_mebibyte_messages_echo() => CheckAsync(CheckCatalog.WebSocket.Large, async s =>
    {
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout());
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        var echoed = await WebSockets.EchoAsync(socket, data, WebSocketMessageType.Binary, Timeout());
        echoed.Length.ShouldBe(data.Length);
        SHA256.HashData(echoed).ShouldBe(SHA256.HashData(data));
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Subprotocols_are_negotiated() => CheckAsync(CheckCatalog.WebSocket.Subprotocol, async s =>
    {
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout(), ["cmux.v2", "cmux.v1"]);
        socket.SubProtocol.ShouldBe("cmux.v2");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Pings_are_answered() => CheckAsync(CheckCatalog.WebSocket.PingPong, async s =>
    {
        // KeepAliveTimeout makes the client send pings and abort the socket when no pong comes back.
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout(), configure: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(1);
        });
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2) || rounds < 10)
        {
            var message = Encoding.UTF8.GetBytes($"round {rounds++}");
            (await WebSockets.EchoAsync(socket, message, WebSocketMessageType.Text, Timeout())).ShouldBe(message);
            await Task.Delay(100, Timeout());
        }
        socket.State.ShouldBe(WebSocketState.Open);
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Close_codes_reach_the_client() => CheckAsync(CheckCatalog.WebSocket.CloseCode, async s =>
    {
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout());
        await socket.SendAsync(Encoding.UTF8.GetBytes("close:4001:going away now"), WebSocketMessageType.Text, true, Timeout());
        var (type, _) = await WebSockets.ReceiveMessageAsync(socket, Timeout());
        type.ShouldBe(WebSocketMessageType.Close);
        ((int?)socket.CloseStatus).ShouldBe(4001);
        socket.CloseStatusDescription.ShouldBe("going away now");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Many_sockets_at_once() => CheckAsync(CheckCatalog.WebSocket.Many, async s =>
    {
        var uri = await EchoUriAsync(s);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => WebSockets.ConnectAsync(s, uri, Timeout())));
        try
        {
            await Task.WhenAll(sockets.Select(async (socket, i) =>
            {
                for (var round = 0; round < 5; round++)
                {
                    var message = Encoding.UTF8.GetBytes($"socket {i} round {round}");
                    (await WebSockets.EchoAsync(socket, message, WebSocketMessageType.Text, Timeout())).ShouldBe(message);
                }
            }));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Idle_sockets_are_closed_by_the_edge() => CheckAsync(CheckCatalog.WebSocket.Idle, async s =>
    {
        var idle = s.Expectations.WebSocketIdleTimeout ?? throw new InvalidOperationException("no idle timeout configured");
        using var socket = await WebSockets.ConnectAsync(s, await EchoUriAsync(s), Timeout(), configure: o => o.KeepAliveInterval = TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(idle * 4 + TimeSpan.FromSeconds(5));
        try
        {
            var (type, _) = await WebSockets.ReceiveMessageAsync(socket, deadline.Token);
            type.ShouldBe(WebSocketMessageType.Close);
        }
        catch (WebSocketException)
        {
            // An abrupt close (no close frame) is also how an edge drops an idle socket.
        }
        clock.Elapsed.ShouldBeGreaterThan(idle * 0.9, "closed before the idle timeout");
        socket.State.ShouldNotBe(WebSocketState.Open);
    });
}

public sealed class PveWebSocketChecks(StackFixture stack) : WebSocketChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphWebSocketChecks(StackFixture stack) : WebSocketChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}

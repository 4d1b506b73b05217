using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Checks.Clients;

namespace Cmux.Conformance.Suite;

/// <summary>Websockets through the public URL: every frame kind, large messages, subprotocols, closes, many sockets, idle closes.</summary>
public static class WebSocketChecks
{
    private static async Task<Uri> EchoUriAsync(CheckContext c) => WebSockets.EchoUri(c.ProbeUrl(await c.ProbedSandboxAsync(), "/"));

    public static readonly ConformanceCheck Text = new()
    {
        ShortName = "ws-text",
        Feature = Features.WebSocket,
        Description = "A text message is echoed through the public URL.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout());
            var echoed = await WebSockets.EchoAsync(socket, Encoding.UTF8.GetBytes("hello, sandbox ✓"), WebSocketMessageType.Text, c.Timeout());
            Encoding.UTF8.GetString(echoed).ShouldBe("hello, sandbox ✓");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", c.Timeout());
        },
    };

    public static readonly ConformanceCheck Binary = new()
    {
        ShortName = "ws-binary",
        Feature = Features.WebSocket,
        Description = "A binary message is echoed byte for byte.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout());
            var data = RandomNumberGenerator.GetBytes(65536);
            (await WebSockets.EchoAsync(socket, data, WebSocketMessageType.Binary, c.Timeout())).ShouldBe(data);
        },
    };

    public static readonly ConformanceCheck Fragmented = new()
    {
        ShortName = "ws-fragmented",
        Feature = Features.WebSocket,
        Description = "A text message sent as three frames is echoed as one message with the whole text.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout());
            string[] parts = ["first frame, ", "second frame ✓, ", "third frame."];
            // One SendAsync is one frame: the first a text frame, the others continuations, the last with FIN.
            for (var i = 0; i < parts.Length; i++)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(parts[i]), WebSocketMessageType.Text, endOfMessage: i == parts.Length - 1, c.Timeout());
            }
            // A proxy may re-frame the echo; a message is whatever arrives up to its final frame.
            var (type, echoed) = await WebSockets.ReceiveMessageAsync(socket, c.Timeout());
            type.ShouldBe(WebSocketMessageType.Text);
            Encoding.UTF8.GetString(echoed).ShouldBe(string.Concat(parts), "the frames of one message must come back as that one message");

            // Nothing else follows: a marker sent next is the very next message back.
            var marker = Encoding.UTF8.GetBytes("after the fragmented message");
            (await WebSockets.EchoAsync(socket, marker, WebSocketMessageType.Text, c.Timeout())).ShouldBe(marker);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", c.Timeout());
        },
    };

    public static readonly ConformanceCheck Large = new()
    {
        ShortName = "ws-16mib",
        Feature = Features.WebSocket,
        Description = "A 16 MiB binary message is echoed intact.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout());
            var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
            var echoed = await WebSockets.EchoAsync(socket, data, WebSocketMessageType.Binary, c.Timeout());
            echoed.Length.ShouldBe(data.Length);
            SHA256.HashData(echoed).ShouldBe(SHA256.HashData(data));
        },
    };

    public static readonly ConformanceCheck Subprotocol = new()
    {
        ShortName = "ws-subprotocol",
        Feature = Features.WebSocket,
        Description = "The subprotocol the backend selects reaches the client.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout(), ["cmux.v2", "cmux.v1"]);
            socket.SubProtocol.ShouldBe("cmux.v2");
        },
    };

    public static readonly ConformanceCheck PingPong = new()
    {
        ShortName = "ws-ping-pong",
        Feature = Features.WebSocket,
        Description = "Keep-alive pings are answered; the socket stays usable.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            // KeepAliveTimeout makes the client send pings and abort the socket when no pong comes back.
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout(), configure: o =>
            {
                o.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
                o.KeepAliveTimeout = TimeSpan.FromSeconds(1);
            });
            var clock = Stopwatch.StartNew();
            var rounds = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(2) || rounds < 10)
            {
                var message = Encoding.UTF8.GetBytes($"round {rounds++}");
                (await WebSockets.EchoAsync(socket, message, WebSocketMessageType.Text, c.Timeout())).ShouldBe(message);
                await Task.Delay(100, c.Timeout());
            }
            socket.State.ShouldBe(WebSocketState.Open);
        },
    };

    public static readonly ConformanceCheck CloseCode = new()
    {
        ShortName = "ws-close-code",
        Feature = Features.WebSocket,
        Description = "A close code and reason sent by the backend reach the client.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout());
            await socket.SendAsync(Encoding.UTF8.GetBytes("close:4001:going away now"), WebSocketMessageType.Text, true, c.Timeout());
            var (type, _) = await WebSockets.ReceiveMessageAsync(socket, c.Timeout());
            type.ShouldBe(WebSocketMessageType.Close);
            ((int?)socket.CloseStatus).ShouldBe(4001);
            socket.CloseStatusDescription.ShouldBe("going away now");
        },
    };

    public static readonly ConformanceCheck Many = new()
    {
        ShortName = "ws-many-sockets",
        Feature = Features.WebSocket,
        Description = "32 sockets open at once each echo their own messages.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var uri = await EchoUriAsync(c);
            var sockets = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => WebSockets.ConnectAsync(c, uri, c.Timeout())));
            try
            {
                await Task.WhenAll(sockets.Select(async (socket, i) =>
                {
                    for (var round = 0; round < 5; round++)
                    {
                        var message = Encoding.UTF8.GetBytes($"socket {i} round {round}");
                        (await WebSockets.EchoAsync(socket, message, WebSocketMessageType.Text, c.Timeout())).ShouldBe(message);
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
        },
    };

    public static readonly ConformanceCheck Idle = new()
    {
        ShortName = "ws-idle-close",
        Feature = Features.WebSocket,
        Description = "An idle socket is closed by the edge after its idle timeout.",
        Needs = [Capability.WebSocketIdleTimeout],
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var idle = c.Documented.WebSocketIdleTimeout ?? throw new InvalidOperationException("the provider supports an idle timeout but documents none");
            using var socket = await WebSockets.ConnectAsync(c, await EchoUriAsync(c), c.Timeout(), configure: o => o.KeepAliveInterval = TimeSpan.Zero);
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
        },
    };
}

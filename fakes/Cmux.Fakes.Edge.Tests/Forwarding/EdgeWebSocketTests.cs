using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Cmux.Fakes.Edge.Access;

namespace Cmux.Fakes.Edge.Tests.Forwarding;

/// <summary>Websockets through the edge and the tunnel, and Cloudflare's idle close (configured short here).</summary>
public sealed class EdgeWebSocketTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    private static readonly Uri Url = new($"wss://port-39378-vm-200.example.test{EchoOrigin.WebSocketPath}");

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public async Task Messages_echo_through_the_edge()
    {
        using var socket = await ConnectAsync();

        foreach (var text in new[] { "hello", new string('x', 100_000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            (await ReceiveTextAsync(socket)).ShouldBe(text);
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public async Task An_idle_websocket_is_closed_after_the_idle_timeout()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        (await ReceiveTextAsync(socket)).ShouldBe("ping");
        var idle = Stopwatch.StartNew();

        using var limit = new CancellationTokenSource(EdgeStack.WebSocketIdleTimeout * 10);
        await Should.ThrowAsync<WebSocketException>(async () =>
        {
            // Returns only when the edge ends the connection (or fails the test at the limit).
            while (true)
            {
                var result = await socket.ReceiveAsync(new byte[1024], limit.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException("closed by the edge");
                }
            }
        });

        limit.IsCancellationRequested.ShouldBeFalse("the edge never closed the idle websocket");
        idle.Elapsed.ShouldBeGreaterThanOrEqualTo(EdgeStack.WebSocketIdleTimeout * 0.9);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public async Task A_websocket_without_credentials_is_refused_by_access()
    {
        using var socket = new ClientWebSocket();
        using var client = stack.CreateClient();

        var error = await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(Url, client, CancellationToken.None));

        error.Message.ShouldContain("403");
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader(AccessGate.ClientIdHeader, stack.ServiceToken.ClientId);
        socket.Options.SetRequestHeader(AccessGate.ClientSecretHeader, stack.ServiceToken.ClientSecret);
        using var client = stack.CreateClient();
        await socket.ConnectAsync(Url, client, CancellationToken.None);
        return socket;
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }
}

using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Cmux.Contract;

namespace Cmux.Fakes.Sandbox.Tests.Services;

/// <summary><c>/_cmux/ws</c>: the websocket echo every port serves.</summary>
[Collection(SandboxHostCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class SandboxWebSocketTests(SandboxHostFixture host)
{
    public static TheoryData<int> Ports => [.. SandboxPorts.All];

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Echoes_text_and_binary_messages_on_every_port(int port)
    {
        using var socket = await ConnectAsync(port);

        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, default);
        var text = await ReceiveAsync(socket);
        await socket.SendAsync(new byte[] { 0, 1, 255 }, WebSocketMessageType.Binary, true, default);
        var binary = await ReceiveAsync(socket);

        (text.Type, Text(text.Data)).ShouldBe((WebSocketMessageType.Text, "hello"));
        binary.Type.ShouldBe(WebSocketMessageType.Binary);
        binary.Data.ShouldBe(new byte[] { 0, 1, 255 });
    }

    [Fact]
    public async Task Selects_the_first_subprotocol_offered()
    {
        using var socket = await ConnectAsync(SandboxPorts.VsCode, "second-choice", "first-choice");

        socket.SubProtocol.ShouldBe("second-choice");
    }

    [Fact]
    public async Task Reassembles_fragments_and_echoes_a_32_MiB_message_whole()
    {
        using var socket = await ConnectAsync(SandboxPorts.Preview);
        var message = RandomNumberGenerator.GetBytes(32 * 1024 * 1024);

        var chunk = message.Length / 4;
        for (var i = 0; i < 4; i++)
        {
            await socket.SendAsync(message.AsMemory(i * chunk, chunk), WebSocketMessageType.Binary, i == 3, default);
        }

        var (type, echoed) = await ReceiveAsync(socket);
        type.ShouldBe(WebSocketMessageType.Binary);
        SHA256.HashData(echoed).ShouldBe(SHA256.HashData(message));
    }

    [Fact]
    public async Task Echoes_the_clients_close_code_and_reason()
    {
        using var socket = await ConnectAsync(SandboxPorts.NoVnc);

        await socket.CloseAsync((WebSocketCloseStatus)4001, "client says bye", default);

        socket.CloseStatus.ShouldBe((WebSocketCloseStatus)4001);
        socket.CloseStatusDescription.ShouldBe("client says bye");
    }

    [Fact]
    public async Task Closes_with_the_code_and_reason_asked_for()
    {
        using var socket = await ConnectAsync(SandboxPorts.Terminal);

        await socket.SendAsync("close:4002:server says bye"u8.ToArray(), WebSocketMessageType.Text, true, default);
        var result = await socket.ReceiveAsync(new byte[16], default);

        result.MessageType.ShouldBe(WebSocketMessageType.Close);
        socket.CloseStatus.ShouldBe((WebSocketCloseStatus)4002);
        socket.CloseStatusDescription.ShouldBe("server says bye");
    }

    [Fact]
    public async Task Answers_a_ping_with_a_pong_carrying_its_payload()
    {
        // Raw frames: ClientWebSocket never exposes pongs.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host.First.Address, SandboxPorts.Worker);
        var stream = tcp.GetStream();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /_cmux/ws HTTP/1.1\r\nHost: {host.First.Address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            head.Append((char)stream.ReadByte());
        }
        head.ToString().ShouldStartWith("HTTP/1.1 101");

        byte[] mask = [1, 2, 3, 4];
        var payload = "are you there"u8.ToArray();
        await stream.WriteAsync((byte[])[0x89, (byte)(0x80 | payload.Length), .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))]);

        var frame = new byte[2 + payload.Length];
        await stream.ReadExactlyAsync(frame);
        frame[0].ShouldBe((byte)0x8A);
        frame[1].ShouldBe((byte)payload.Length);
        frame[2..].ShouldBe(payload);
    }

    private async Task<ClientWebSocket> ConnectAsync(int port, params string[] subprotocols)
    {
        var socket = new ClientWebSocket();
        foreach (var subprotocol in subprotocols)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }
        await socket.ConnectAsync(new Uri($"ws://{host.First.Address}:{port}/_cmux/ws"), default);
        return socket;
    }

    internal static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(WebSocket socket)
    {
        using var data = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, default);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, data.ToArray());
            }
        }
    }

    internal static string Text(byte[] data) => Encoding.UTF8.GetString(data);
}

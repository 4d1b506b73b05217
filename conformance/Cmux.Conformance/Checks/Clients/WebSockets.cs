using System.Net.WebSockets;

namespace Cmux.Conformance.Checks.Clients;

/// <summary>Websocket plumbing the checks share: connect through a provider's URL, echo, read whole messages.</summary>
public static class WebSockets
{
    public static Uri EchoUri(Uri portUrl) => new UriBuilder(AsWebSocket(portUrl)) { Path = "/_cmux/ws" }.Uri;

    /// <summary>The same URL with the websocket scheme: <c>wss</c> for <c>https</c>, <c>ws</c> for <c>http</c>.</summary>
    public static Uri AsWebSocket(Uri url) => new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws", Port = url.IsDefaultPort ? -1 : url.Port }.Uri;

    public static async Task<ClientWebSocket> ConnectAsync(
        CheckContext c, Uri uri, CancellationToken ct, IEnumerable<string>? subprotocols = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        foreach (var (name, value) in c.Provider.AuthHeaders)
        {
            socket.Options.SetRequestHeader(name, value);
        }
        foreach (var protocol in subprotocols ?? [])
        {
            socket.Options.AddSubProtocol(protocol);
        }
        configure?.Invoke(socket.Options);
        try
        {
            await socket.ConnectAsync(uri, c.Invoker, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }
            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, buffer.ToArray());
            }
        }
    }

    public static async Task<byte[]> EchoAsync(WebSocket socket, byte[] data, WebSocketMessageType type, CancellationToken ct)
    {
        await socket.SendAsync(data, type, endOfMessage: true, ct);
        var (receivedType, received) = await ReceiveMessageAsync(socket, ct);
        receivedType.ShouldBe(type);
        return received;
    }
}

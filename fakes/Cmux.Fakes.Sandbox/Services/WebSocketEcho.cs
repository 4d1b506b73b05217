using System.Net.WebSockets;
using System.Text;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// <c>GET /_cmux/ws</c>: selects the first subprotocol offered, echoes each text or binary message
/// whole (fragments reassembled, up to <see cref="MaxMessageBytes"/>), and echoes the client's
/// close code and reason. A text message <c>close:{code}:{reason}</c> makes the server close first.
/// Pings are answered by the websocket stack itself.
/// </summary>
public static class WebSocketEcho
{
    public const int MaxMessageBytes = 64 * 1024 * 1024;
    private const string ClosePrefix = "close:";

    public static async Task RunAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsJsonAsync(new { error = "websocket upgrade required" });
            return;
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Count > 0 ? offered[0] : null);
        await EchoAsync(socket, context.RequestAborted);
    }

    public static async Task EchoAsync(WebSocket socket, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var (type, message) = await ReceiveMessageAsync(socket, ct);
                if (type == WebSocketMessageType.Close)
                {
                    var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
                    await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : socket.CloseStatusDescription, ct);
                    return;
                }
                if (message is not { } data)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"message over {MaxMessageBytes} bytes", ct);
                    return;
                }
                if (type == WebSocketMessageType.Text && TryParseClose(data, out var code, out var reason))
                {
                    await socket.CloseAsync(code, reason, ct);
                    return;
                }
                await socket.SendAsync(data, type, endOfMessage: true, ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer vanished without a close handshake.
        }
    }

    /// <summary>One whole message; null data when it is over the limit.</summary>
    public static async Task<(WebSocketMessageType Type, ArraySegment<byte>? Data)> ReceiveMessageAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxMessageBytes)
                {
                    return (WebSocketMessageType.Binary, null);
                }
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxMessageBytes));
            }
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, default);
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return (result.MessageType, new ArraySegment<byte>(buffer, 0, length));
            }
        }
    }

    private static bool TryParseClose(ArraySegment<byte> message, out WebSocketCloseStatus code, out string reason)
    {
        code = default;
        reason = "";
        var text = Encoding.UTF8.GetString(message);
        if (!text.StartsWith(ClosePrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var parts = text[ClosePrefix.Length..].Split(':', 2);
        if (!int.TryParse(parts[0], out var number))
        {
            return false;
        }
        code = (WebSocketCloseStatus)number;
        reason = parts.Length > 1 ? parts[1] : "";
        return true;
    }
}

using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cmux.Router.Tests.Differential;

/// <summary>
/// What one proxy did with a case, flattened to aspect/value pairs so two proxies can be diffed:
/// status, interim responses, content type and body; for answers from the sandbox's echo, the
/// request the sandbox saw (method, target, each header by lower-cased name, body length and
/// hash); for websockets, the negotiated subprotocol and every echoed message and close.
/// </summary>
public static class Observation
{
    /// <param name="generative">For generated cases: every response's Connection header is an aspect
    /// (HTTP/1.0 keep-alive is part of what is compared), and a connection that ends early is
    /// "closed" however the socket reported it (a reset or an end of stream is a race).</param>
    public static async Task<SortedDictionary<string, string>> ObserveAsync(IPEndPoint proxy, RouterCase routerCase, CancellationToken ct,
        bool generative = false)
    {
        var aspects = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var connection = await RawHttpConnection.OpenAsync(proxy, ct);
        for (var i = 0; i < routerCase.Requests.Count; i++)
        {
            var prefix = routerCase.Requests.Count > 1 ? $"#{i} " : "";
            RawResponse response;
            try
            {
                response = await connection.SendAsync(routerCase.Requests[i], ct);
            }
            catch (IOException e)
            {
                aspects[prefix + "error"] = generative ? "closed" : e.Message;
                break;
            }
            Describe(response, prefix, aspects, generative);
            if (response.Status == 101 && routerCase.WebSocket is { } script)
            {
                await DescribeWebSocketAsync(connection, response, script, aspects, ct);
            }
        }
        return aspects;
    }

    private static void Describe(RawResponse response, string prefix, IDictionary<string, string> aspects, bool generative)
    {
        aspects[prefix + "status"] = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (response.Interim.Count > 0)
        {
            // Which interim codes came, not how many: Caddy sends its own 100 Continue and, depending on
            // timing, relays the upstream's as well; a client gains nothing from the second.
            aspects[prefix + "interim"] = string.Join(",", response.Interim.Distinct());
        }
        if (response.Header("Content-Type") is { } type)
        {
            aspects[prefix + "content-type"] = type;
        }
        if (response.Status == 400 || generative)
        {
            aspects[prefix + "connection"] = response.Header("Connection") ?? "";
        }
        if (TryReadEcho(response, out var echo))
        {
            DescribeEcho(echo, prefix + "upstream.", aspects);
            return;
        }
        aspects[prefix + "body"] = response.Body.Length <= 200
            ? response.BodyText
            : $"{response.Body.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(response.Body))}";
    }

    private static bool TryReadEcho(RawResponse response, out JsonElement echo)
    {
        echo = default;
        if (response.Header("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            return false;
        }
        try
        {
            echo = JsonDocument.Parse(response.Body).RootElement;
            return echo.ValueKind == JsonValueKind.Object && echo.TryGetProperty("rawTarget", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void DescribeEcho(JsonElement echo, string prefix, IDictionary<string, string> aspects)
    {
        foreach (var name in (string[])["sandbox", "port", "method", "rawTarget", "protocol", "bodyLength", "bodySha256"])
        {
            aspects[prefix + name] = echo.GetProperty(name).ToString();
        }
        // Names compare case-insensitively (Go canonicalises them, Kestrel keeps the client's
        // spelling); repeated values keep their order.
        foreach (var header in echo.GetProperty("headers").EnumerateArray()
            .Select(h => (Name: h[0].GetString()!.ToLowerInvariant(), Value: h[1].GetString() ?? ""))
            .GroupBy(h => h.Name))
        {
            aspects[$"{prefix}header:{header.Key}"] = string.Join(" | ", header.Select(h => h.Value));
        }
    }

    private static async Task DescribeWebSocketAsync(RawHttpConnection connection, RawResponse handshake, WebSocketScript script,
        IDictionary<string, string> aspects, CancellationToken ct)
    {
        aspects["ws.protocol"] = handshake.Header("Sec-WebSocket-Protocol") ?? "";
        using var socket = WebSocket.CreateFromStream(connection.Stream, new WebSocketCreationOptions
        {
            IsServer = false,
            SubProtocol = handshake.Header("Sec-WebSocket-Protocol"),
            KeepAliveInterval = TimeSpan.Zero,
        });
        aspects["ws.text"] = await RoundTripAsync(socket, Encoding.UTF8.GetBytes(script.Text), WebSocketMessageType.Text, ct);
        aspects["ws.binary"] = await RoundTripAsync(socket, script.Binary, WebSocketMessageType.Binary, ct);
        await socket.CloseOutputAsync((WebSocketCloseStatus)script.CloseCode, script.CloseReason, ct);
        var buffer = new byte[1024];
        while (socket.State != WebSocketState.Closed)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }
        aspects["ws.close"] = $"{(int?)socket.CloseStatus}:{socket.CloseStatusDescription}";
    }

    private static async Task<string> RoundTripAsync(WebSocket socket, byte[] message, WebSocketMessageType type, CancellationToken ct)
    {
        await socket.SendAsync(message, type, endOfMessage: true, ct);
        var buffer = new byte[64 * 1024];
        var received = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, ct);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return $"{result.MessageType} {Convert.ToHexString(received.ToArray())}";
    }
}

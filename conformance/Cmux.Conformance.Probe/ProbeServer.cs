using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cmux.Conformance.Probe;

/// <summary>
/// An HTTP/1.1 server on raw sockets, so it can say exactly what arrived: the request line and
/// every header in wire order, as the proxies in front of it delivered them. It answers:
/// <c>/_cmux/info</c> (port and hostname), <c>/_cmux/echo</c> (the request as received),
/// <c>/_cmux/ws</c> (a websocket echo; <c>close:CODE:REASON</c> makes it close),
/// <c>/_cmux/sse?count=N&amp;interval=MS</c> (a stream of server-sent events),
/// <c>/_cmux/bytes?size=N</c> (N bytes, byte i being i % 251, for the load scenarios), and
/// <c>/_cmux/page</c> (a page whose <c>#status</c> says <c>connected</c> once its websocket has echoed).
/// </summary>
public sealed class ProbeServer(IPEndPoint endpoint)
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const int MaxHead = 64 * 1024;
    private const int MaxMessage = 32 * 1024 * 1024;

    private static readonly string Hostname = Dns.GetHostName();

    public async Task RunAsync(CancellationToken ct)
    {
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endpoint);
        listener.Listen(512);
        while (!ct.IsCancellationRequested)
        {
            var client = await listener.AcceptAsync(ct);
            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client, ct), ct);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var reader = new HeadReader(stream);
        try
        {
            while (await reader.ReadRequestAsync(ct) is { } request)
            {
                if (!await AnswerAsync(stream, reader, request, ct))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or WebSocketException or OperationCanceledException or FormatException)
        {
            // The peer went away or spoke nonsense: nothing to answer.
        }
    }

    /// <summary>Answers one request; false when the connection must end.</summary>
    private async Task<bool> AnswerAsync(NetworkStream stream, HeadReader reader, Request request, CancellationToken ct)
    {
        var body = await reader.ReadBodyAsync(request, ct);
        var path = request.Target.Split('?', 2)[0];
        switch (path)
        {
            case "/_cmux/info":
                await WriteAsync(stream, 200, "application/json", Json(w =>
                {
                    w.WriteNumber("port", endpoint.Port);
                    w.WriteString("hostname", Hostname);
                    w.WriteString("server", "cmux-probe");
                }), request.KeepAlive, ct);
                return request.KeepAlive;
            case "/_cmux/echo":
                await WriteAsync(stream, 200, "application/json", Json(w =>
                {
                    w.WriteString("method", request.Method);
                    w.WriteString("target", request.Target);
                    w.WriteString("version", request.Version);
                    w.WriteStartArray("headers");
                    foreach (var (name, value) in request.Headers)
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(name);
                        w.WriteStringValue(value);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                    w.WriteNumber("bodyLength", body);
                    w.WriteNumber("port", endpoint.Port);
                }), request.KeepAlive, ct);
                return request.KeepAlive;
            case "/_cmux/ws" when request.Header("Upgrade")?.Equals("websocket", StringComparison.OrdinalIgnoreCase) == true:
                await WebSocketEchoAsync(stream, request, ct);
                return false;
            case "/_cmux/bytes":
                var size = int.Parse(Query(request.Target).GetValueOrDefault("size", "32"), CultureInfo.InvariantCulture);
                await WriteAsync(stream, 200, "application/octet-stream", Bytes(size), request.KeepAlive, ct);
                return request.KeepAlive;
            case "/_cmux/sse":
                await EventStreamAsync(stream, request, ct);
                return false;
            case "/_cmux/page":
                await WriteAsync(stream, 200, "text/html; charset=utf-8", Page(endpoint.Port), request.KeepAlive, ct);
                return request.KeepAlive;
            default:
                await WriteAsync(stream, 404, "text/plain; charset=utf-8", "cmux-probe: no such path\n"u8.ToArray(), request.KeepAlive, ct);
                return request.KeepAlive;
        }
    }

    private static async Task WebSocketEchoAsync(NetworkStream stream, Request request, CancellationToken ct)
    {
        var key = request.Header("Sec-WebSocket-Key") ?? throw new FormatException("no Sec-WebSocket-Key");
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + WebSocketGuid)));
        // The first protocol the client offers is the one chosen, so a check can tell selection from echo.
        var protocol = request.Header("Sec-WebSocket-Protocol")?.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.Length > 0);
        var head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Accept: ").Append(accept).Append("\r\n");
        if (protocol is not null)
        {
            head.Append("Sec-WebSocket-Protocol: ").Append(protocol).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), ct);

        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, SubProtocol = protocol, KeepAliveInterval = TimeSpan.Zero });
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, ct);
                return;
            }
            message.Write(buffer, 0, result.Count);
            if (message.Length > MaxMessage)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message over 32 MiB", ct);
                return;
            }
            if (!result.EndOfMessage)
            {
                continue;
            }
            var data = message.ToArray();
            message.SetLength(0);
            if (result.MessageType == WebSocketMessageType.Text && Encoding.UTF8.GetString(data) is var text && text.StartsWith("close:", StringComparison.Ordinal))
            {
                var parts = text.Split(':', 3);
                await socket.CloseOutputAsync((WebSocketCloseStatus)int.Parse(parts[1], CultureInfo.InvariantCulture), parts.Length > 2 ? parts[2] : "", ct);
                continue;
            }
            await socket.SendAsync(data, result.MessageType, endOfMessage: true, ct);
        }
    }

    private static async Task EventStreamAsync(NetworkStream stream, Request request, CancellationToken ct)
    {
        var query = Query(request.Target);
        var count = int.Parse(query.GetValueOrDefault("count", "5"), CultureInfo.InvariantCulture);
        var interval = TimeSpan.FromMilliseconds(int.Parse(query.GetValueOrDefault("interval", "200"), CultureInfo.InvariantCulture));
        // No length and no chunking: the stream ends when the connection does, as SSE allows.
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"u8.ToArray(), ct);
        for (var i = 0; i < count; i++)
        {
            var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"id: {i}\nevent: tick\ndata: {{\"n\":{i},\"sentAtMs\":{sent}}}\n\n"), ct);
            await stream.FlushAsync(ct);
            await Task.Delay(interval, ct);
        }
    }

    private static async Task WriteAsync(NetworkStream stream, int status, string type, byte[] body, bool keepAlive, CancellationToken ct)
    {
        var reason = status switch { 200 => "OK", 404 => "Not Found", _ => "Status" };
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {type}\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\n{(keepAlive ? "" : "Connection: close\r\n")}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(body, ct);
    }

    /// <summary>
    /// What a browser check loads: the page opens a websocket to this probe's echo on the host and
    /// scheme it was loaded from, so it passes through every proxy the page did, and says
    /// <c>connected</c> only when its own random text comes back; any other end names what happened.
    /// </summary>
    private static byte[] Page(int port) => Encoding.UTF8.GetBytes($$"""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>cmux-probe {{port}}</title></head>
        <body>
        <h1>cmux-probe on port {{port}}</h1>
        <p>websocket: <span id="status">connecting</span></p>
        <script>
          const status = document.getElementById('status');
          const sent = 'cmux-probe ' + crypto.getRandomValues(new Uint32Array(2)).join('-');
          const settle = (text) => { if (status.textContent === 'connecting') status.textContent = text; };
          const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/_cmux/ws');
          socket.onopen = () => socket.send(sent);
          socket.onmessage = (e) => { settle(e.data === sent ? 'connected' : 'wrong echo: ' + e.data); socket.close(1000, 'done'); };
          socket.onerror = () => settle('error');
          socket.onclose = (e) => settle('closed ' + e.code);
        </script>
        </body></html>
        """);

    /// <summary>Byte i is i % 251: a prime, so a shifted or lost chunk shows.</summary>
    private static byte[] Bytes(int size)
    {
        var bytes = new byte[Math.Clamp(size, 0, 64 * 1024 * 1024)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }
        return bytes;
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static Dictionary<string, string> Query(string target)
    {
        var query = target.Split('?', 2) is [_, var q] ? q : "";
        return query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0]))
            .ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.First() is [_, var v] ? v : ""));
    }

    /// <summary>A request head as it arrived.</summary>
    private sealed record Request(string Method, string Target, string Version, IReadOnlyList<(string Name, string Value)> Headers)
    {
        public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        public bool KeepAlive => Version == "HTTP/1.1"
            ? Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) != true
            : Header("Connection")?.Contains("keep-alive", StringComparison.OrdinalIgnoreCase) == true;
    }

    /// <summary>Reads request heads and bodies off one connection, keeping what it read past a head.</summary>
    private sealed class HeadReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[MaxHead];
        private int _start;
        private int _end;

        public async Task<Request?> ReadRequestAsync(CancellationToken ct)
        {
            while (true)
            {
                var span = _buffer.AsSpan(_start, _end - _start);
                var at = span.IndexOf("\r\n\r\n"u8);
                if (at >= 0)
                {
                    var head = Encoding.Latin1.GetString(span[..at]);
                    _start += at + 4;
                    return Parse(head);
                }
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _buffer.Length)
                {
                    throw new FormatException("request head over 64 KiB");
                }
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
                if (read == 0)
                {
                    return null;
                }
                _end += read;
            }
        }

        /// <summary>Reads and drops a Content-Length or chunked body; returns how many bytes it had.</summary>
        public async Task<long> ReadBodyAsync(Request request, CancellationToken ct)
        {
            if (request.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            {
                long total = 0;
                while (true)
                {
                    var line = await ReadLineAsync(ct);
                    var size = long.Parse(line.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        while ((await ReadLineAsync(ct)).Length > 0)
                        {
                            // Trailers, dropped.
                        }
                        return total;
                    }
                    await SkipAsync(size, ct);
                    await ReadLineAsync(ct);
                    total += size;
                }
            }
            var length = long.TryParse(request.Header("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 0;
            await SkipAsync(length, ct);
            return length;
        }

        private async Task<string> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var span = _buffer.AsSpan(_start, _end - _start);
                var at = span.IndexOf("\r\n"u8);
                if (at >= 0)
                {
                    var line = Encoding.Latin1.GetString(span[..at]);
                    _start += at + 2;
                    return line;
                }
                await FillAsync(ct);
            }
        }

        private async Task SkipAsync(long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (_start == _end)
                {
                    await FillAsync(ct);
                }
                var take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        private async Task FillAsync(CancellationToken ct)
        {
            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                throw new IOException("connection closed mid-request");
            }
            _end += read;
        }

        private static Request Parse(string head)
        {
            var lines = head.Split("\r\n");
            var first = lines[0].Split(' ');
            if (first.Length != 3)
            {
                throw new FormatException($"bad request line '{lines[0]}'");
            }
            var headers = lines.Skip(1)
                .Select(line => line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
                    ? (line[..colon], line[(colon + 1)..].Trim())
                    : throw new FormatException($"bad header line '{line}'"))
                .ToList();
            return new Request(first[0], first[1], first[2], headers);
        }
    }
}

using System.Text;
using Cmux.Contract;

namespace Cmux.Router.Tests.Differential;

/// <summary>A request (or a few on one connection, or a websocket session) sent to Caddy and to our router alike.</summary>
public sealed record RouterCase(string Name, IReadOnlyList<RawRequest> Requests, WebSocketScript? WebSocket = null)
{
    public override string ToString() => Name;
}

/// <summary>After a 101: send a text and a binary message, then close with a code; the backend echoes each.</summary>
public sealed record WebSocketScript(string Text, byte[] Binary, int CloseCode, string CloseReason);

/// <summary>
/// The table: every row of docs/contracts.md §5, then the edges (long and IDN hosts, extreme
/// ports, IPv6 literals, encodings, large headers and bodies, 100-continue, HEAD, OPTIONS,
/// websockets, a backend that is down). Sandbox 200 runs; nothing listens on <see cref="DownPort"/>.
/// </summary>
public static class RouterCases
{
    public const int Vmid = 4242;
    public const int Port = SandboxPorts.Execd;
    public const int DownPort = 39399;
    public const string Echo = "/_cmux/echo";

    private static readonly string Host = UrlPatterns.SeedHost(Port, Vmid, "example.com");

    public static IReadOnlyList<RouterCase> All { get; } = Build();

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in All)
            {
                data.Add(c.Name);
            }
            return data;
        }
    }

    public static RouterCase Get(string name) => All.Single(c => c.Name == name);

    private static RouterCase Get(string name, string target, string host, params string[] headers) =>
        new(name, [RawRequest.Of([$"GET {target} HTTP/1.1", $"Host: {host}", .. headers])]);

    private static RouterCase Lines(string name, params string[] lines) => new(name, [RawRequest.Of(lines)]);

    private static RouterCase WithBody(string name, string head, byte[] body, bool waitForContinue = false) =>
        new(name, [new RawRequest(head, body, waitForContinue)]);

    private static List<RouterCase> Build()
    {
        var big = new byte[1 << 20];
        new Random(42).NextBytes(big);
        var chunked = ChunkedBody(big.AsSpan(0, 200_000), 7_000);

        return
        [
            // docs/contracts.md §5, row by row
            Get("match: backend answers", Echo, Host, "User-Agent: raw"),
            Get("match: client X-Forwarded-* overwritten", Echo, Host,
                "X-Forwarded-For: 203.0.113.9", "X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https"),
            Get("match: hop-by-hop removed", Echo, Host,
                "Connection: keep-alive, X-Hop", "X-Hop: 1", "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive",
                "Proxy-Authorization: Basic Zm9vOmJhcg==", "Upgrade: h2c", "TE: trailers", "X-End-To-End: kept"),
            Get("backend 404 passed through", "/_cmux/no-such-endpoint", Host),
            Lines("backend 405 passed through", "PUT /_cmux/ws HTTP/1.1", $"Host: {Host}", "Content-Length: 0"),
            Get("no match", "/", "example.com"),
            Get("no match with port", "/", "example.com:8080"),
            Get("upper-case prefix", Echo, $"PORT-{Port}-VM-{Vmid}.example.com"),
            Get("upper-case domain", Echo, $"port-{Port}-vm-{Vmid}.EXAMPLE.COM"),
            Get("deep domain", Echo, $"port-{Port}-vm-{Vmid}.a.b.example.com"),
            Get("host with port", Echo, $"port-{Port}-vm-{Vmid}.example.com:8080"),
            Get("trailing dot only", Echo, $"port-{Port}-vm-{Vmid}."),
            Get("no dot", Echo, $"port-{Port}-vm-{Vmid}"),
            Get("prefix not at start", Echo, $"xport-{Port}-vm-{Vmid}.example.com"),
            Get("leading zeros in port", Echo, $"port-0{Port}-vm-{Vmid}.example.com"),
            Get("port above 65535", Echo, $"port-99999-vm-{Vmid}.example.com"),
            Get("port 0", Echo, $"port-0-vm-{Vmid}.example.com"),
            Get("backend down", Echo, $"port-{DownPort}-vm-{Vmid}.example.com"),
            Get("unknown vmid", Echo, $"port-{Port}-vm-999.example.com"),
            Get("vmid with leading zero", Echo, $"port-{Port}-vm-0{Vmid}.example.com"),
            Lines("no Host", $"GET {Echo} HTTP/1.1"),
            Lines("empty Host", $"GET {Echo} HTTP/1.1", "Host:"),
            Lines("two Host headers", $"GET {Echo} HTTP/1.1", $"Host: {Host}", "Host: example.com"),
            Lines("absolute-form URI wins over Host", $"GET http://{Host}{Echo}?q=1 HTTP/1.1", "Host: example.com"),
            Lines("absolute-form URI without match", $"GET http://example.com{Echo} HTTP/1.1", $"Host: {Host}"),
            // edges
            Get("long host", Echo, $"port-{Port}-vm-{Vmid}.{new string('a', 63)}.{new string('b', 63)}.{new string('c', 63)}.example"),
            Get("IDN host (punycode)", Echo, $"port-{Port}-vm-{Vmid}.xn--bcher-kva.example"),
            Get("port 1", Echo, $"port-1-vm-{Vmid}.example.com"),
            Get("port 65535", Echo, $"port-65535-vm-{Vmid}.example.com"),
            Get("port 65536", Echo, $"port-65536-vm-{Vmid}.example.com"),
            Get("IPv6 literal Host", "/", "[::1]"),
            Get("IPv6 literal Host with port", "/", "[::1]:8080"),
            Get("IPv4 literal Host", "/", "127.0.0.1:8080"),
            Get("encoded path", $"{Echo}/a%2Fb/%20c/%C3%A9?x=%2F%26y&z=%20+1", Host),
            Get("dot segments and double slashes", $"{Echo}/a/../b/./c//d", Host),
            Get("empty query", $"{Echo}?", Host),
            Get("IDN host (UTF-8 bytes)", Echo, $"port-{Port}-vm-{Vmid}.bücher.example"),
            Get("large header (16 KiB)", Echo, Host, $"X-Large: {new string('x', 16 * 1024)}"),
            Get("many headers", Echo, Host, [.. Enumerable.Range(0, 90).Select(i => $"X-Many-{i}: {i}")]),
            Get("repeated header", Echo, Host, "X-Repeat: one", "X-Repeat: two"),
            WithBody("content-length body (1 MiB)",
                $"POST {Echo} HTTP/1.1\r\nHost: {Host}\r\nContent-Type: application/octet-stream\r\nContent-Length: {big.Length}\r\n\r\n", big),
            WithBody("chunked body",
                $"POST {Echo} HTTP/1.1\r\nHost: {Host}\r\nTransfer-Encoding: chunked\r\n\r\n", chunked),
            WithBody("Expect: 100-continue",
                $"PUT {Echo} HTTP/1.1\r\nHost: {Host}\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", "hello"u8.ToArray(), waitForContinue: true),
            WithBody("Content-Length with Transfer-Encoding",
                $"POST {Echo} HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n"u8.ToArray()),
            Lines("HEAD", $"HEAD {Echo} HTTP/1.1", $"Host: {Host}"),
            Lines("OPTIONS on a match", $"OPTIONS {Echo} HTTP/1.1", $"Host: {Host}", "Origin: http://example.com",
                "Access-Control-Request-Method: PUT"),
            Lines("OPTIONS *", "OPTIONS * HTTP/1.1", $"Host: {Host}"),
            Lines("DELETE", $"DELETE {Echo}/item HTTP/1.1", $"Host: {Host}"),
            Lines("HTTP/1.0 without Host", $"GET {Echo} HTTP/1.0"),
            Lines("HTTP/1.0 with Host", $"GET {Echo} HTTP/1.0", $"Host: {Host}"),
            Lines("HTTP/1.2 served as HTTP/1.1", $"GET {Echo} HTTP/1.2", $"Host: {Host}"),
            new("keep-alive: three requests, one connection",
                [.. Enumerable.Range(0, 3).Select(i => RawRequest.Of($"GET {Echo}?n={i} HTTP/1.1", $"Host: {Host}"))]),
            Get("large response", "/_cmux/bytes?size=3000000", Host),
            Get("chunked response", "/_cmux/bytes?size=300000&chunked=1", Host),
            Get("server-sent events", "/_cmux/sse?count=3&interval_ms=20", Host),
            WebSocketCase("websocket with subprotocols", Host, "chat, superchat"),
            WebSocketCase("websocket without subprotocol", Host, null),
            WebSocketCase("websocket, no match", "example.com", null),
            WebSocketCase("websocket, backend down", $"port-{DownPort}-vm-{Vmid}.example.com", null),
        ];
    }

    private static RouterCase WebSocketCase(string name, string host, string? protocols)
    {
        string[] lines =
        [
            "GET /_cmux/ws HTTP/1.1", $"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        ];
        return new(name, [RawRequest.Of(protocols is null ? lines : [.. lines, $"Sec-WebSocket-Protocol: {protocols}"])],
            new WebSocketScript("hello", [1, 2, 3], 4001, "bye"));
    }

    private static byte[] ChunkedBody(ReadOnlySpan<byte> body, int chunk)
    {
        var wire = new MemoryStream();
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            var piece = body.Slice(offset, Math.Min(chunk, body.Length - offset));
            wire.Write(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"));
            wire.Write(piece);
            wire.Write("\r\n"u8);
        }
        wire.Write("0\r\n\r\n"u8);
        return wire.ToArray();
    }
}

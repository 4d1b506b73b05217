using System.Text;
using Cmux.Router.Routing;

namespace Cmux.Router.Tests.Differential.Generative;

/// <summary>One generated request, with the grammar choices that made it (its tags, which the
/// allow-list refers to) and its wire bytes for the failure report.</summary>
public sealed record GeneratedCase(int Index, RouterCase Case, IReadOnlyList<string> Tags)
{
    public string Method => Case.Requests[0].Head[..Case.Requests[0].Head.IndexOf(' ')];

    public bool IsHttp10 => Has("version:1.0");

    public bool IsWebSocket => Tags.Any(t => t.StartsWith("ws:", StringComparison.Ordinal));

    public bool Has(string tag) => Tags.Contains(tag, StringComparer.Ordinal);

    /// <summary>The request as sent, every byte outside printable ASCII escaped, so a report can be replayed by hand.</summary>
    public string Escaped
    {
        get
        {
            var request = Case.Requests[0];
            var bytes = Encoding.UTF8.GetBytes(request.Head).Concat(request.Body ?? []).ToArray();
            var text = new StringBuilder();
            foreach (var b in bytes.Take(600))
            {
                text.Append(b switch
                {
                    (byte)'\r' => "\\r",
                    (byte)'\n' => "\\n",
                    (byte)'\\' => "\\\\",
                    >= 0x20 and < 0x7f => ((char)b).ToString(),
                    _ => $"\\x{b:x2}",
                });
            }
            return bytes.Length > 600 ? $"{text}... ({bytes.Length} bytes)" : text.ToString();
        }
    }
}

/// <summary>
/// A grammar of HTTP/1.x requests aimed at a proxy's edges: a request line (method, target, version),
/// a Host in one of many forms, extra headers and a body framing. Every random choice goes through
/// one <see cref="Random"/>, so a seed replays the same requests; the same seed gives the same shape
/// in both profiles, only the matching Host label differs.
/// </summary>
public sealed class RequestGrammar(RouterProfile profile)
{
    private const string Echo = RouterCases.Echo;
    private const string Domain = RouterDifferentialFixture.Domain;

    // Both profiles reach the fixture's one sandbox: seed through vm-{vmid}, cmux through the
    // sandbox's own name, which its hosts file also lists.
    private static string Label(RouterProfile profile, int port) => profile == RouterProfile.Seed
        ? $"port-{port}-vm-{RouterCases.Vmid}"
        : $"port-{port}-cmux-{RouterCases.Vmid}";

    private string Match => $"{Label(profile, RouterCases.Port)}.{Domain}";

    public GeneratedCase Generate(Random random, int index)
    {
        var draft = new Draft(random);
        var webSocket = draft.Chance(0.08);
        var method = webSocket
            ? draft.Pick("ws", ["GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "get"])
            : draft.Pick("method", ["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "get"]);
        // Go parses any single-digit "HTTP/x.y" and serves every 1.y as HTTP/1.x, refusing 0.y and
        // 2.y and up with 505; an HTTP/1 parser that knows only 1.0 and 1.1 differs there.
        var version = draft.Weighted("version", [("1.1", 62), ("1.0", 28), ("1.2", 4), ("1.9", 2), ("0.9", 2), ("2.0", 2)]);

        var (target, hostLines) = HostAndTarget(draft, webSocket ? "/_cmux/ws" : Echo);
        var headers = new List<string>(hostLines);
        if (webSocket)
        {
            headers.AddRange(["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]);
            if (draft.Chance(0.5))
            {
                headers.Add("Sec-WebSocket-Protocol: chat, superchat");
            }
        }
        for (var n = draft.Int(0, 4); n > 0; n--)
        {
            headers.AddRange(ExtraHeader(draft));
        }
        var body = Body(draft, headers);

        var head = new StringBuilder($"{method} {target} HTTP/{version}\r\n");
        foreach (var line in headers)
        {
            head.Append(line).Append("\r\n");
        }
        head.Append("\r\n");
        var request = new RawRequest(head.ToString(), body);
        var script = webSocket ? new WebSocketScript("hello", [1, 2, 3], 4001, "bye") : null;
        return new GeneratedCase(index, new RouterCase($"generated #{index}", [request], script), draft.Tags);
    }

    private (string Target, List<string> HostLines) HostAndTarget(Draft draft, string resource)
    {
        var suffix = PathSuffix(draft);
        var path = suffix.StartsWith('\0') ? suffix[1..] : resource + suffix;
        var match = Match;
        // "*" has no absolute form ("http://host*" is not a URI); those cases keep the resource.
        var absolutePath = path == "*" ? resource : path;
        var form = draft.Weighted("host",
        [
            ("plain", 40), ("upper-domain", 3), ("upper-prefix", 3), ("port", 4), ("bad-port", 4), ("trailing-dot", 3),
            ("punycode", 3), ("utf8", 3), ("ipv6", 3), ("ipv4", 2), ("none", 3), ("empty", 2), ("duplicate", 3),
            ("absolute-same", 4), ("absolute-other", 3), ("absolute-nohost", 3), ("down", 3), ("no-match", 4),
        ]);
        List<string> Host(string value) => [$"Host: {value}"];
        return form switch
        {
            "plain" => (path, Host(match)),
            "upper-domain" => (path, Host($"{Label(profile, RouterCases.Port)}.{Domain.ToUpperInvariant()}")),
            "upper-prefix" => (path, Host(match.ToUpperInvariant())),
            "port" => (path, Host($"{match}:{draft.Pick("port", ["8080", "80", "1", "65535"])}")),
            "bad-port" => (path, Host($"{match}:{draft.Pick("bad-port", ["99999", "65536", "abc", "", "-1"])}")),
            "trailing-dot" => (path, Host(match + ".")),
            "punycode" => (path, Host($"{Label(profile, RouterCases.Port)}.xn--bcher-kva.example")),
            "utf8" => (path, Host($"{Label(profile, RouterCases.Port)}.bücher.example")),
            "ipv6" => (path, Host(draft.Pick("ipv6", ["[::1]", "[::1]:8080", "[2001:db8::1]", "[::1"]))),
            "ipv4" => (path, Host(draft.Pick("ipv4", ["127.0.0.1", "127.0.0.1:8080"]))),
            "none" => (path, []),
            "empty" => (path, ["Host:"]),
            "duplicate" => (path, [$"Host: {match}", $"Host: {draft.Pick("duplicate", [match, Domain])}"]),
            "absolute-same" => ($"http://{match}{absolutePath}", Host(match)),
            "absolute-other" => ($"http://{match}{absolutePath}", Host(Domain)),
            "absolute-nohost" => ($"http://{match}{absolutePath}", []),
            "down" => (path, Host($"{Label(profile, RouterCases.DownPort)}.{Domain}")),
            _ => (path, Host(Domain)),
        };
    }

    private static string PathSuffix(Draft draft) => draft.Weighted("target",
    [
        ("plain", 30), ("query", 6), ("encoded", 5), ("raw-utf8", 4), ("bad-escape", 4), ("dot-segments", 5),
        ("double-slash", 3), ("query-utf8", 3), ("query-bad-escape", 3), ("asterisk", 3), ("other-path", 3),
    ]) switch
    {
        "plain" => draft.Pick("plain", ["", "/a", "/a/b.txt"]),
        "query" => draft.Pick("query", ["?a=1&b=%20", "?", "?x=%2F%26y&z=%20+1"]),
        "encoded" => draft.Pick("encoded", ["/a%2Fb/%20c/%C3%A9", "/%41%42", "/%2e%2e/x", "/a%3Fb"]),
        "raw-utf8" => draft.Pick("raw-utf8", ["/é", "/日本/ü"]),
        "bad-escape" => draft.Pick("bad-escape", ["/%zz", "/%4", "/a%"]),
        "dot-segments" => draft.Pick("dot-segments", ["/a/../b/./c", "/../x", "/./y", "/a/.."]),
        "double-slash" => "//x//y",
        "query-utf8" => "?q=é",
        "query-bad-escape" => "?q=%zz",
        // A leading NUL: the suffix replaces the resource rather than extending it.
        "asterisk" => "\0*",
        _ => "\0/_cmux/no-such-endpoint",
    };

    private static IEnumerable<string> ExtraHeader(Draft draft) => draft.Weighted("header",
    [
        ("hop", 4), ("connection-names", 4), ("connection-close", 4), ("connection-keep-alive", 4), ("keep-alive", 3),
        ("proxy", 3), ("te", 3), ("upgrade-h2c", 2), ("x-forwarded", 4), ("forwarded", 3), ("non-ascii", 4),
        ("obs-fold", 3), ("malformed", 3), ("empty-value", 3), ("repeated", 3), ("user-agent", 4), ("padded", 3),
    ]) switch
    {
        "hop" => ["Connection: keep-alive, X-Hop", "X-Hop: 1"],
        "connection-names" => ["Connection: X-Hop, X-Other", "X-Hop: 1", "X-Other: 2"],
        "connection-close" => ["Connection: close"],
        "connection-keep-alive" => ["Connection: keep-alive"],
        "keep-alive" => ["Keep-Alive: timeout=5"],
        "proxy" => ["Proxy-Connection: keep-alive", "Proxy-Authorization: Basic Zm9vOmJhcg=="],
        "te" => [draft.Pick("te", ["TE: trailers", "TE: gzip"])],
        "upgrade-h2c" => ["Upgrade: h2c"],
        "x-forwarded" => ["X-Forwarded-For: 203.0.113.9", "X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https"],
        "forwarded" => ["Forwarded: for=203.0.113.9;proto=https;host=evil.example"],
        "non-ascii" => [draft.Pick("non-ascii", ["X-Name: café", "X-Name: 日本"])],
        "obs-fold" => ["X-Fold: a\r\n  b"],
        "malformed" => [draft.Pick("malformed", ["NoColonHere", "Bad Name: x", "X-Bad\u0001: x", " X-Leading: x"])],
        "empty-value" => ["X-Empty:"],
        "repeated" => ["X-Repeat: one", "X-Repeat: two"],
        "user-agent" => ["User-Agent: gen/1"],
        _ => ["X-Padded:   spaced   "],
    };

    private static byte[]? Body(Draft draft, List<string> headers)
    {
        var framing = draft.Weighted("body",
        [
            ("none", 45), ("length", 12), ("chunked", 6), ("chunked-trailers", 4), ("length-and-chunked", 3),
            ("expect", 5), ("plus-length", 3), ("two-lengths", 3), ("other-coding", 3),
        ]);
        var size = draft.Pick("size", [0, 1, 17, 1000, 70_000]);
        var bytes = new byte[size];
        draft.Random.NextBytes(bytes);
        switch (framing)
        {
            case "length":
                headers.Add($"Content-Length: {size}");
                return bytes;
            case "chunked":
            case "chunked-trailers":
                headers.Add("Transfer-Encoding: chunked");
                return Chunked(bytes, framing == "chunked-trailers" ? "X-Trailer: t\r\n" : "");
            case "length-and-chunked":
                headers.Add($"Content-Length: {size}");
                headers.Add("Transfer-Encoding: chunked");
                return Chunked(bytes, "");
            case "expect":
                headers.Add("Expect: 100-continue");
                headers.Add($"Content-Length: {size}");
                return bytes;
            case "plus-length":
                headers.Add($"Content-Length: +{size}");
                return bytes;
            case "two-lengths":
                var other = draft.Chance(0.5) ? size : size + 1;
                headers.Add($"Content-Length: {size}");
                headers.Add($"Content-Length: {other}");
                return bytes;
            case "other-coding":
                headers.Add("Transfer-Encoding: gzip");
                return bytes;
            default:
                return null;
        }
    }

    private static byte[] Chunked(byte[] body, string trailers)
    {
        var wire = new MemoryStream();
        for (var offset = 0; offset < body.Length; offset += 4096)
        {
            var length = Math.Min(4096, body.Length - offset);
            wire.Write(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
            wire.Write(body, offset, length);
            wire.Write("\r\n"u8);
        }
        wire.Write(Encoding.ASCII.GetBytes($"0\r\n{trailers}\r\n"));
        return wire.ToArray();
    }

    /// <summary>The choices of one case, and their tags (<c>group:choice</c>).</summary>
    private sealed class Draft(Random random)
    {
        public Random Random { get; } = random;

        public List<string> Tags { get; } = [];

        public void Tag(string tag) => Tags.Add(tag);

        public bool Chance(double p) => Random.NextDouble() < p;

        public int Int(int min, int maxInclusive) => Random.Next(min, maxInclusive + 1);

        public T Pick<T>(string group, T[] choices)
        {
            var choice = choices[Random.Next(choices.Length)];
            Tag($"{group}:{choice}");
            return choice;
        }

        public string Weighted(string group, (string Choice, int Weight)[] choices)
        {
            var roll = Random.Next(choices.Sum(c => c.Weight));
            foreach (var (choice, weight) in choices)
            {
                if ((roll -= weight) < 0)
                {
                    Tag($"{group}:{choice}");
                    return choice;
                }
            }
            throw new InvalidOperationException("unreachable");
        }
    }
}

using Cmux.Router.Routing;

namespace Cmux.Router.Tests.Differential.Generative;

/// <summary>What each proxy did with one generated case.</summary>
public sealed record CasePair(RouterProfile Profile, GeneratedCase Case,
    IReadOnlyDictionary<string, string> Caddy, IReadOnlyDictionary<string, string> Router)
{
    public string? CaddyStatus => Caddy.GetValueOrDefault("status");

    public string? RouterStatus => Router.GetValueOrDefault("status");
}

/// <summary>
/// A class of deliberate differences on generated requests: in the cases <paramref name="Situation"/>
/// selects by their shape alone, the aspects <paramref name="Aspects"/> names may differ (names
/// separated by <c>|</c>, each exact or a prefix ending in <c>*</c>; <c>*</c> alone is every aspect),
/// where <paramref name="Outcome"/>, if given, also holds of what the proxies did.
/// </summary>
/// <param name="Situation">The generated request has this shape: decided before either proxy answers, so
/// that an entry whose situation arose but whose difference did not show is found stale.</param>
/// <param name="Outcome">The difference this entry is about (which answers), when the shape alone does not say.</param>
/// <param name="JoinedOnly">Only where the router's value is Caddy's repeated values joined into one.</param>
/// <param name="Intermittent">Why the situation, as far as the request's shape can say it, does not always
/// show the difference: such an entry is reported when unused but does not fail the run.</param>
public sealed record GeneratedAllowance(string Class, string Aspects, string Reason, Func<GeneratedCase, bool> Situation,
    Func<CasePair, bool>? Outcome = null, bool JoinedOnly = false, string? Intermittent = null)
{
    public bool Covers(CasePair pair, string aspect) => Matches(aspect) && Situation(pair.Case) && (Outcome?.Invoke(pair) ?? true)
        && (!JoinedOnly || IsJoined(pair.Caddy.GetValueOrDefault(aspect), pair.Router.GetValueOrDefault(aspect)));

    // HttpClient joins most repeated values with ", ", User-Agent's (a list of products) with " ".
    private static bool IsJoined(string? caddy, string? router) =>
        caddy is not null && router is not null
        && (caddy.Replace(" | ", ", ", StringComparison.Ordinal) == router
            || caddy.Replace(" | ", " ", StringComparison.Ordinal) == router
            // Empty values: HttpClient writes "," where Go wrote two empty lines.
            || caddy.Replace(" | ", ",", StringComparison.Ordinal).Trim() == router.Replace(", ", ",", StringComparison.Ordinal).Trim());

    /// <summary>The case has the shape this entry is about, and shows an aspect it names: were the
    /// difference gone, this is where it would have shown. The outcome plays no part, or an entry
    /// could never be found stale.</summary>
    public bool IsExercisedBy(CasePair pair) =>
        Situation(pair.Case) && (Aspects == AllowedDifference.Any || pair.Caddy.Keys.Concat(pair.Router.Keys).Any(Matches));

    private bool Matches(string aspect) => Aspects.Split('|').Any(a =>
        a == AllowedDifference.Any || a.EndsWith('*') ? aspect.StartsWith(a[..^1], StringComparison.Ordinal) : aspect == a);

    public override string ToString() => $"{Class} [{Aspects}]";
}

/// <summary>
/// Every difference from Caddy 2.6.2 the generative differential accepts, and why. The run fails on
/// a difference none of these covers, and on an entry that covered nothing in the run (stale).
/// </summary>
public static class GeneratedAllowances
{
    public static IReadOnlyList<GeneratedAllowance> All { get; } =
    [
        // The fixed table's allowances for every case hold here too.
        .. AllowedDifferences.All.Where(a => a.Case == AllowedDifference.Any)
            .Select(a => new GeneratedAllowance($"every case: {a.Aspect}", a.Aspect, a.Reason, _ => true)),
        new("both refuse with 400", "body|content-type|connection",
            "Kestrel rejects a request it cannot parse itself (400) with an empty body and closes the connection; "
            + "Go's server writes '400 Bad Request: <reason>' as text, and Caddy keeps the connection open after a 400 "
            + "its own handler gives (a Host it cannot split). No application hook runs before Kestrel's rejection; "
            + "the client is refused either way.",
            // Any request may be one both refuse; the run always has some.
            _ => true,
            p => p.CaddyStatus == "400" && p.RouterStatus == "400"),
        new("obs-fold", "*",
            "A line that starts with a space continues the previous header (obs-fold). Kestrel refuses a folded header line (obs-fold) with 400, as RFC 9112 section 5.2 allows a server to; Go "
            + "unfolds it and Caddy forwards the joined value. Kestrel offers no setting to unfold, and no client "
            + "cmux supports sends folded lines (they were deprecated in RFC 7230).",
            c => c.Has("header:obs-fold") || c.Has("malformed: X-Leading: x")),
        new("HTTP/1.0 POST or PUT without a length", "*",
            "Kestrel refuses an HTTP/1.0 POST or PUT that has no Content-Length (400, before any application code), "
            + "since HTTP/1.0 cannot delimit its body otherwise; Go reads it as empty. HTTP/1.0 clients send a length.",
            c => c.IsHttp10 && c.Method is "POST" or "PUT" && !c.Has("body:length") && !c.Has("body:expect")),
        new("two Content-Length headers", "*",
            "Kestrel refuses any repeated Content-Length (400) before the router runs; Go accepts repeats of one value "
            + "and refuses differing ones. A request framed ambiguously is refused rather than forwarded.",
            c => c.Has("body:two-lengths")),
        new("Content-Length with Transfer-Encoding", "*",
            AllowedDifferences.All.Single(a => a.Case == "Content-Length with Transfer-Encoding").Reason,
            c => c.Has("body:length-and-chunked")),
        new("Transfer-Encoding other than chunked", "*",
            "Kestrel refuses a request whose final coding is not chunked itself (400, connection closed), as RFC 9112 "
            + "section 6.3 says a server must, since its end cannot be found; Go answers 501 'Unsupported transfer "
            + "encoding', or leaves the coded bytes unread where Caddy answers without reading a body.",
            c => c.Has("body:other-coding"),
            p => p.RouterStatus == "400"),
        new("HTTP/1.0 Connection: close", "connection",
            "HTTP/1.0 closes the connection by default: Go closes it without a Connection header, Kestrel writes "
            + "'Connection: close'. A client sees the same end of the connection.",
            c => c.IsHttp10,
            p => p.Caddy.GetValueOrDefault("connection") == "" && p.Router.GetValueOrDefault("connection") == "close"),
        new("Content-Length: 0 upstream where Go writes none", "upstream.header:content-length",
            ".NET's HttpClient writes 'Content-Length: 0' on a request without a body whose method may carry one "
            + "(TRACE, PROPFIND, a GET that said 'Content-Length: 0'); Go leaves it out. Both tell the upstream that "
            + "no body follows.",
            c => c.Has("body:none") || c.Has("size:0"),
            p => p.Caddy.GetValueOrDefault("upstream.header:content-length") is null or ""
                && p.Router.GetValueOrDefault("upstream.header:content-length") == "0"),
        new("raw non-ASCII in the target", "*",
            "Kestrel refuses a request target with bytes outside ASCII (400, before any application code); RFC 3986 "
            + "requires them percent-encoded and every client cmux supports encodes them. Go forwards the bytes.",
            c => c.Has("target:raw-utf8") || c.Has("target:query-utf8")),
        new("a Host Kestrel cannot parse", "*",
            "Kestrel refuses a Host whose port is not digits or whose IPv6 literal is unclosed (400, before any "
            + "application code); Go leaves the Host to the handler and Caddy forwards it. Such a Host names no sandbox "
            + "a client could have been given.",
            c => c.Has("bad-port:") || c.Has("bad-port:abc") || c.Has("bad-port:-1") || c.Has("ipv6:[::1")),
        new("a Host with raw UTF-8", "*",
            AllowedDifferences.All.First(a => a.Case == "IDN host (UTF-8 bytes)").Reason,
            c => c.Has("host:utf8")),
        new("asterisk-form other than OPTIONS", "*",
            "Kestrel answers a '*' target on any method but OPTIONS with 405 itself (RFC 9112 section 3.2.4 allows '*' "
            + "only for OPTIONS); Go passes it to Caddy, which answers 400 or 404. Both refuse it.",
            c => c.Has("target:asterisk") && c.Method != "OPTIONS"),
        new("Caddy's 400 lost to a reset", "error|status|body|content-type|connection",
            "Go answers 400 and closes while the client is still sending the body it will not read; the unread bytes "
            + "make the kernel reset the connection, which can destroy the answer before the client reads it (Caddy's "
            + "fault). The router's 400 arrives.",
            // Even one unread byte makes the kernel reset the connection Go closes.
            c => !c.Has("body:none"),
            p => p.Caddy.GetValueOrDefault("error") == "closed" && p.RouterStatus == "400"),
        new("repeated header joined", "upstream.header:*",
            AllowedDifferences.All.First(a => a.Case == "repeated header").Reason,
            c => c.Tags.Where(t => t.StartsWith("header:", StringComparison.Ordinal)).GroupBy(t => t).Any(g => g.Count() > 1 || g.Key == "header:repeated"),
            JoinedOnly: true),
        new("Connection with keep-alive names others", "upstream.header:x-hop|upstream.header:x-other",
            AllowedDifferences.All.First(a => a.Case == "match: hop-by-hop removed").Reason,
            c => c.Has("header:hop") || (c.Has("header:connection-names")
                && (c.Has("header:connection-keep-alive") || c.Has("header:connection-close")))),
        new("Content-Length with a sign", "*",
            "Kestrel reads 'Content-Length: +5' as 5 and keeps no trace of the sign, so the router cannot refuse it as "
            + "Go does (400, or a reset when the body is large: see 'Caddy's 400 lost to a reset'). The body and its "
            + "length go upstream intact; a client sending a sign is not one cmux supports.",
            c => c.Has("body:plus-length")),
        new("websocket upgrade whose Connection also says close", "*",
            "Go takes a request as an upgrade when any Connection token is 'upgrade', so Caddy upgrades one that also "
            + "sends 'Connection: close'; the router (Kestrel and YARP) forwards it as a plain request, which the "
            + "sandbox refuses ('websocket upgrade required'). Seen on generated seeds (61910536); where in Kestrel's "
            + "reading of Connection the upgrade is dropped was not traced. No websocket client sends close with an "
            + "upgrade (browsers send 'Upgrade' or 'keep-alive, Upgrade').",
            c => c.IsWebSocket && c.Has("header:connection-close"),
            p => p.CaddyStatus == "101" && p.RouterStatus != "101",
            Intermittent: "other choices of the same case (HTTP/1.0, a Host either proxy refuses, a body) make both refuse before any upgrade"),
        new("websocket upgrade with a second Upgrade header", "*",
            "A websocket upgrade that also carries 'Upgrade: h2c' on a line of its own: Caddy upgrades it; the router "
            + "forwards it as a plain request, which the sandbox refuses (426). Seen on generated seed 915898128 (over "
            + "HTTP/1.0); whether Kestrel drops the upgrade for the repeated header or for the version was not traced. "
            + "No websocket client sends a second protocol to upgrade to.",
            c => c.IsWebSocket && c.Has("header:upgrade-h2c"),
            p => p.CaddyStatus == "101" && p.RouterStatus != "101",
            Intermittent: "other choices of the same case (a Host either proxy refuses, a body, an HTTP version either refuses) make both refuse before any upgrade"),
        new("Host port out of range", "*",
            "Caddy forwards 'Host: x:99999' verbatim. .NET's HttpClient cannot carry a Host it cannot parse (it would "
            + "write two Host lines and the upstream would refuse), so the router answers 502 as for an upstream it "
            + "cannot reach. Such a Host names no sandbox a client could have been given.",
            c => c.Has("bad-port:99999") || c.Has("bad-port:65536")),
        new("100 Continue after the body arrived", "interim",
            "The generator sends the body without waiting for 100 Continue. RFC 9110 section 10.1.1 lets a server omit "
            + "the 100 once the body is on its way; Go writes it anyway, Kestrel does not when the body is already read.",
            c => c.Has("body:expect")),
        new("body left unread", "connection",
            "When a request is answered without its body being read (a 502, a 404, OPTIONS *, an unanswered Expect), "
            + "Go closes the connection rather than read the rest; Kestrel reads and discards the body and keeps the "
            + "connection. Both are correct (RFC 9112 section 9.3, RFC 9110 section 10.1.1).",
            // Intermittent (below): a narrower shape would leave out cases that show it.
            c => c.Has("body:expect") || c.Has("body:length") || c.Has("body:chunked") || c.Has("body:chunked-trailers"),
            p => p.Caddy.GetValueOrDefault("connection") == "close" && p.Router.GetValueOrDefault("connection") == "",
            Intermittent: "whether Go closes depends on how much of the body had arrived when it answered (it discards a "
                + "little and closes past that), which the generator's timing decides, not the request's shape"),
        new("HTTP/1.0 keep-alive", "connection",
            "For an HTTP/1.0 request with 'Connection: keep-alive' Kestrel keeps the connection and says so; some "
            + "answers of Caddy's (its own, and some it proxies) close it. A client that asks for keep-alive handles either.",
            // Intermittent (below): a narrower shape would leave out cases that show it.
            c => c.IsHttp10 && (c.Has("header:connection-keep-alive") || c.Has("header:hop")),
            p => p.Caddy.GetValueOrDefault("connection") == "" && p.Router.GetValueOrDefault("connection") == "keep-alive",
            Intermittent: "Go keeps some of its own HTTP/1.0 answers alive and closes others, depending on whether it read "
                + "the request to its end before answering, which the request's shape does not settle"),
        new("chunked HTTP/1.0 request", "*",
            "Transfer-Encoding is undefined in HTTP/1.0: Go ignores it and forwards no body (leaving the chunks on the "
            + "connection as a next request, which then fails), Kestrel decodes the chunks and the router forwards them chunked. RFC 9112 "
            + "section 6.1 calls the framing faulty; the router's reading loses nothing and smuggles nothing.",
            c => c.IsHttp10 && (c.Has("body:chunked") || c.Has("body:chunked-trailers"))),
        new("method in lower case", "upstream.method",
            ".NET's HttpClient writes a method that matches a standard one case-insensitively in upper case ('get' goes "
            + "upstream as GET); Go keeps the client's spelling. RFC 9110 section 9.1 makes methods case-sensitive, but "
            + "no client cmux supports sends a lower-case method, and HttpClient offers no way to keep it.",
            c => c.Method is "get"),
        new("repeated User-Agent", "upstream.header:user-agent",
            "Go's transport writes only the first of several User-Agent lines (it reads the header as one value); "
            + "HttpClient sends them all, joined with ' '. Nothing is lost on the router's side.",
            c => c.Tags.Count(t => t == "header:user-agent") > 1,
            p => p.Caddy.GetValueOrDefault("upstream.header:user-agent") != p.Router.GetValueOrDefault("upstream.header:user-agent")),
        new("HTTP/1.0 with Connection both keep-alive and close", "connection",
            "A request that asks for keep-alive and close at once: Kestrel closes (close is final, RFC 9112 section 9.6), "
            + "Go's server can keep the HTTP/1.0 connection because one line says keep-alive. "
            + "Closing is the safe reading.",
            c => c.IsHttp10 && c.Has("header:connection-close")
                && (c.Has("header:connection-keep-alive") || c.Has("header:hop")),
            p => p.Caddy.GetValueOrDefault("connection") == "keep-alive" && p.Router.GetValueOrDefault("connection") == "close",
            Intermittent: "whether Go keeps the connection also depends on whether it read the request to its end, "
                + "which the request's shape does not settle"),
        new("HTTP/1.y answered with Connection: close", "connection", "Go serves HTTP/1.2..1.9 as HTTP/1.1 and keeps the connection; Kestrel refuses those versions (505), so "
            + "the router rewrites a connection's first request line to HTTP/1.1 and closes the connection after the answer, "
            + "sending the client's next request to a new connection rather than to a 505.",
            c => c.Tags.Any(t => t is "version:1.2" or "version:1.9"),
            p => p.Router.GetValueOrDefault("connection") == "close"),
        new("HTTP version other than 1.y", "status|body|content-type|error|connection",
            "Go and Kestrel both refuse HTTP/0.y and HTTP/2.y and up in an HTTP/1 request line. Kestrel does so first, "
            + "with 505 and an empty body; Go writes '505 HTTP Version Not Supported: <reason>' as text, and checks the "
            + "target and the Transfer-Encoding before the version (400, 501). No application hook runs before "
            + "Kestrel's rejection; the client is refused either way. With a large body still arriving, Go's answer can be "
            + "lost to the reset its close causes (see 'Caddy's 400 lost to a reset').",
            c => c.Tags.Any(t => t is "version:0.9" or "version:2.0"),
            p => p.RouterStatus == "505" && (p.CaddyStatus is "505" or "400" or "501" || p.Caddy.GetValueOrDefault("error") == "closed")),
    ];
}

namespace Cmux.Router.Tests.Differential;

/// <summary>A difference between Caddy and our router that is deliberate, and why.</summary>
/// <param name="Case">The case it belongs to, or <c>*</c> for a difference any case may show.</param>
/// <param name="Aspect">The aspect (see <see cref="Observation"/>) that differs, or <c>*</c> for all of them.</param>
public sealed record AllowedDifference(string Case, string Aspect, string Reason)
{
    public const string Any = "*";

    // EndsWith: in a case of several requests, aspects carry a "#n " prefix.
    public bool Covers(string caseName, string aspect) =>
        (Case == Any || Case == caseName) && (Aspect == Any || aspect.EndsWith(Aspect, StringComparison.Ordinal));
}

/// <summary>
/// Every deliberate difference from Caddy 2.6.2. The differential test fails on any difference not
/// listed here, and on any case-specific entry whose difference no longer shows (a stale entry).
/// </summary>
public static class AllowedDifferences
{
    public static IReadOnlyList<AllowedDifference> All { get; } =
    [
        new(AllowedDifference.Any, "upstream.header:accept-encoding",
            "Go's HTTP transport adds 'Accept-Encoding: gzip' to requests that have none and then gunzips the "
            + "response behind the client's back; the router forwards the client's own Accept-Encoding (or none) "
            + "and the response bytes untouched."),
        new(AllowedDifference.Any, "upstream.header:via",
            "The router marks every request it forwards with a Via entry of its own (after the client's), so that a "
            + "forwarding loop through any other hop is cut at once with 508; Caddy adds none."),
        .. KestrelRejects("no Host"),
        .. KestrelRejects("two Host headers"),
        .. KestrelRejects("IDN host (UTF-8 bytes)"),
        new("Content-Length with Transfer-Encoding", AllowedDifference.Any,
            "Deliberate: a request framed two ways is how requests are smuggled past proxies. Caddy drops the "
            + "Content-Length and forwards it chunked; the router answers 400 and closes the connection, so no "
            + "upstream ever sees it."),
        new("repeated header", "upstream.header:x-repeat",
            "Caddy forwards a repeated header as repeated lines; .NET's HttpClient joins the values into one line "
            + "with ', ', which RFC 9110 section 5.3 defines as equivalent (Set-Cookie, the exception, is a response header)."),
        new("match: hop-by-hop removed", "upstream.header:x-hop",
            "Kestrel reduces a Connection header that contains keep-alive (or close) to that single token before "
            + "any application code runs, so the other header names it lists cannot be seen and are forwarded. "
            + "Connection, Keep-Alive, Proxy-*, TE and Upgrade themselves are removed as Caddy removes them."),
    ];

    /// <summary>Kestrel rejects the request before the router runs: same status and Connection: close as Go's
    /// server, but an empty body where Go writes the reason as text.</summary>
    private static IEnumerable<AllowedDifference> KestrelRejects(string caseName) =>
    [
        new(caseName, "body", "Kestrel rejects this malformed request itself (400, Connection: close, like Go) with an empty body; "
            + "Go's server writes '400 Bad Request: <reason>' as text. No application hook runs before the rejection."),
        new(caseName, "content-type", "Follows from the empty body of Kestrel's own 400 (see 'body')."),
    ];

    public static IEnumerable<AllowedDifference> For(string caseName) =>
        All.Where(a => a.Case == AllowedDifference.Any || a.Case == caseName);
}

namespace Cmux.Conformance.Tests.Router;

/// <summary>A difference between Caddy and our router that is deliberate, and why.</summary>
/// <param name="Case">The case it belongs to, or <c>*</c> for a difference any case may show.</param>
/// <param name="Aspect">The aspect (see <see cref="Observation"/>) that differs.</param>
public sealed record AllowedDifference(string Case, string Aspect, string Reason)
{
    public const string AnyCase = "*";

    public bool Covers(string caseName, string aspect) =>
        (Case == AnyCase || Case == caseName) && aspect.EndsWith(Aspect, StringComparison.Ordinal);
}

/// <summary>
/// Every deliberate difference from Caddy 2.6.2. The differential test fails on any difference not
/// listed here, and on any case-specific entry whose difference no longer shows (a stale entry).
/// </summary>
public static class AllowedDifferences
{
    public static IReadOnlyList<AllowedDifference> All { get; } =
    [
        new(AllowedDifference.AnyCase, "upstream.header:accept-encoding",
            "Go's HTTP transport adds 'Accept-Encoding: gzip' to requests that have none and then gunzips the "
            + "response behind the client's back; the router forwards the client's own Accept-Encoding (or none) "
            + "and the response bytes untouched."),
    ];

    public static IEnumerable<AllowedDifference> For(string caseName) => All.Where(a => a.Case == AllowedDifference.AnyCase || a.Case == caseName);
}

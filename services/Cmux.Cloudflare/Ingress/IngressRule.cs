using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cmux.Cloudflare.Ingress;

/// <summary>One validated cloudflared ingress rule.</summary>
public sealed record IngressRule(string Hostname, Regex? Path, IngressService Service, OriginRequest OriginRequest)
{
    /// <summary>cloudflared's <c>Rule.Matches</c>: an empty or <c>*</c> hostname matches every host; a leading
    /// <c>*.</c> is a suffix match at any depth that keeps the dot (never the apex); the path is an unanchored regex.</summary>
    public bool Matches(string host, string path) => MatchesHost(Hostname, host) && (Path is null || Path.IsMatch(path));

    public static bool MatchesHost(string ruleHost, string host) =>
        ruleHost is "" or "*"
        || string.Equals(ruleHost, host, StringComparison.OrdinalIgnoreCase)
        || (ruleHost.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(ruleHost[1..], StringComparison.OrdinalIgnoreCase));
}

/// <summary>Where a rule sends traffic: an HTTP(S) origin, or a fixed status (<c>http_status:404</c>).</summary>
public sealed record IngressService(string Text, Uri? Origin, int? Status)
{
    public override string ToString() => Text;
}

/// <summary>The <c>originRequest</c> keys the edge honours (cloudflared's defaults otherwise).</summary>
public sealed record OriginRequest(bool NoTlsVerify, string? HttpHostHeader, string? OriginServerName, TimeSpan ConnectTimeout)
{
    public static readonly OriginRequest Default = new(false, null, null, TimeSpan.FromSeconds(10));

    /// <summary>Rule-level keys override the top-level ones, as in cloudflared's <c>setConfig</c>.</summary>
    public OriginRequest Apply(JsonObject? keys) => keys is null ? this : new(
        keys["noTLSVerify"]?.GetValue<bool>() ?? NoTlsVerify,
        keys["httpHostHeader"]?.GetValue<string>() ?? HttpHostHeader,
        keys["originServerName"]?.GetValue<string>() ?? OriginServerName,
        keys["connectTimeout"] is { } timeout ? TimeSpan.FromSeconds(timeout.GetValue<int>()) : ConnectTimeout);
}

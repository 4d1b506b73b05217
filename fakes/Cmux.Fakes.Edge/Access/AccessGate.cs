using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Edge.RemoteConfig;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Edge.Access;

/// <summary>What Access decided for one request.</summary>
public abstract record AccessOutcome
{
    /// <summary>Forward; <paramref name="Jwt"/> (if any) goes to the origin and, when <paramref name="SetCookie"/>, to the client.</summary>
    public sealed record Pass(string? Jwt, bool SetCookie, TimeSpan Lifetime) : AccessOutcome;
    /// <summary>A browser without credentials: 302 to the team's login page.</summary>
    public sealed record Login(string Location) : AccessOutcome;
    /// <summary>Refused (403).</summary>
    public sealed record Refuse(string Reason) : AccessOutcome;
}

/// <summary>
/// Zero Trust Access in front of the tunnel. The most specific application for the host and path
/// decides (longest path, then an exact host over a wildcard). Bypass and Service Auth
/// (<c>non_identity</c>) policies are evaluated first, then allow and deny, each in precedence
/// order; the first whose rules match decides. This edge has no identity provider, so identities
/// come only from service tokens (<c>CF-Access-Client-Id</c>/<c>-Secret</c>) or the
/// <c>CF_Authorization</c> cookie issued for one.
/// </summary>
public sealed class AccessGate(CloudflareApiClient api, AccessTokens tokens, AccessCache cache, IOptions<EdgeOptions> options)
{
    public const string CookieName = "CF_Authorization";
    public const string ClientIdHeader = "CF-Access-Client-Id";
    public const string ClientSecretHeader = "CF-Access-Client-Secret";

    public async Task<AccessOutcome> EvaluateAsync(HttpContext context, EdgeSnapshot snapshot)
    {
        var applications = snapshot.Applications;
        var host = context.Request.Host.Host;
        var path = context.Request.Path.Value ?? "/";
        if (MostSpecific(applications, host, path) is not { } app)
        {
            return new AccessOutcome.Pass(null, false, TimeSpan.Zero);
        }
        var lifetime = ParseDuration(app.SessionDuration);
        var (subject, fromCookie, presentedBadToken) = await IdentifyAsync(context, app, snapshot);
        foreach (var policy in Ordered(app.Policies ?? []))
        {
            if (!Applies(policy, subject, context.Connection.RemoteIpAddress))
            {
                continue;
            }
            return policy.Decision switch
            {
                "bypass" => new AccessOutcome.Pass(null, false, lifetime),
                "deny" => new AccessOutcome.Refuse($"denied by policy \"{policy.Name}\""),
                _ when subject is null => new AccessOutcome.Refuse($"policy \"{policy.Name}\" needs an identity"),
                _ => new AccessOutcome.Pass(
                    fromCookie ?? cache.Session(app.Aud, subject, lifetime, () => tokens.Issue(app.Aud, subject.ClientId, subject.Id, lifetime)),
                    fromCookie is null, lifetime),
            };
        }
        if (presentedBadToken || subject is not null)
        {
            return new AccessOutcome.Refuse(presentedBadToken ? "invalid service token" : "no policy allows this identity");
        }
        return IsBrowser(context.Request)
            ? new AccessOutcome.Login(LoginUrl(context, app))
            : new AccessOutcome.Refuse("no credentials");
    }

    /// <summary>The application whose domain (host, optional path prefix with <c>*</c>) covers the request, most specific first.</summary>
    public static AccessApplication? MostSpecific(IEnumerable<AccessApplication> applications, string host, string path) =>
        applications
            .Select(app => (app, domain: SplitDomain(app.Domain)))
            .Where(x => HostMatches(x.domain.Host, host) && PathMatches(x.domain.Path, path))
            .OrderByDescending(x => x.domain.Path.TrimEnd('*', '/').Length)
            .ThenBy(x => x.domain.Host.StartsWith('*'))
            .Select(x => x.app)
            .FirstOrDefault();

    private async Task<(ServiceToken? Subject, string? CookieJwt, bool BadToken)> IdentifyAsync(HttpContext context, AccessApplication app, EdgeSnapshot snapshot)
    {
        var request = context.Request;
        if (request.Headers.TryGetValue(ClientIdHeader, out var clientIdValues))
        {
            var clientId = clientIdValues.ToString();
            var secret = request.Headers[ClientSecretHeader].ToString();
            try
            {
                var token = cache.Verified(clientId, secret, snapshot)
                    ?? await cache.VerifyAsync(clientId, secret, () => api.VerifyServiceTokenAsync(clientId, secret, context.RequestAborted));
                return (token, null, false);
            }
            catch (CloudflareApiException e) when (e.Status == HttpStatusCode.Forbidden)
            {
                return (null, null, true);
            }
        }
        if (request.Cookies[CookieName] is { } cookie && cache.Cookie(cookie, app.Aud, snapshot, () => tokens.Validate(cookie, app.Aud)) is { } claims)
        {
            var subject = new ServiceToken
            {
                Id = claims["service_token_id"]?.GetValue<string>() ?? "",
                ClientId = claims["common_name"]?.GetValue<string>() ?? "",
                Name = "",
            };
            return (subject, cookie, false);
        }
        return (null, null, false);
    }

    private static IEnumerable<AccessPolicy> Ordered(IEnumerable<AccessPolicy> policies) =>
        policies.OrderBy(p => p.Decision is "bypass" or "non_identity" ? 0 : 1).ThenBy(p => p.Precedence ?? int.MaxValue);

    // include: any rule; require: every rule; exclude: no rule. Identity rules other than service
    // tokens (emails, groups, IdPs) never match here: there is no identity provider.
    private static bool Applies(AccessPolicy policy, ServiceToken? subject, IPAddress? ip) =>
        policy.Include.Any(r => Matches(r, subject, ip))
        && policy.Require.All(r => Matches(r, subject, ip))
        && !policy.Exclude.Any(r => Matches(r, subject, ip));

    private static bool Matches(JsonNode? rule, ServiceToken? subject, IPAddress? ip) => rule switch
    {
        JsonObject o when o.ContainsKey("everyone") => true,
        JsonObject o when o["any_valid_service_token"] is not null => subject is not null,
        JsonObject o when o["service_token"]?["token_id"]?.GetValue<string>() is { } id => subject?.Id == id,
        JsonObject o when o["ip"]?["ip"]?.GetValue<string>() is { } range => ip is not null && IPNetwork.TryParse(range, out var network) && network.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip),
        _ => false,
    };

    private static (string Host, string Path) SplitDomain(string domain) =>
        domain.IndexOf('/') is var slash and >= 0 ? (domain[..slash], domain[slash..]) : (domain, "");

    private static bool HostMatches(string pattern, string host) =>
        string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase)
        || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase));

    // An application path covers itself and everything below it; "*" stands for any characters.
    private static bool PathMatches(string pattern, string path)
    {
        if (pattern.Length == 0)
        {
            return true;
        }
        var regex = "^" + Regex.Escape(pattern.TrimEnd('/')).Replace("\\*", ".*", StringComparison.Ordinal) + "(/.*)?$";
        return Regex.IsMatch(path, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    // Browsers ask for HTML; scripts and API clients don't.
    private static bool IsBrowser(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private string LoginUrl(HttpContext context, AccessApplication app)
    {
        var request = context.Request;
        var redirect = Uri.EscapeDataString($"{request.Path}{request.QueryString}");
        return $"https://{options.Value.AccessTeamName}.cloudflareaccess.com/cdn-cgi/access/login/{request.Host.Host}?kid={app.Aud}&redirect_url={redirect}";
    }

    // An application's session duration, parsed once per distinct text (a regex per request was
    // a visible share of the edge's time under load).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeSpan> Durations = new(StringComparer.Ordinal);

    private static TimeSpan ParseDuration(string text) =>
        Durations.Count < 1024 ? Durations.GetOrAdd(text, ParseDurationText) : ParseDurationText(text);

    // Cloudflare's durations: "24h", "30m", "15s" (and combinations such as "1h30m").
    private static TimeSpan ParseDurationText(string text)
    {
        var total = TimeSpan.Zero;
        foreach (Match m in Regex.Matches(text, @"(\d+)(h|m|s)", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            var value = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch { "h" => TimeSpan.FromHours(value), "m" => TimeSpan.FromMinutes(value), _ => TimeSpan.FromSeconds(value) };
        }
        return total > TimeSpan.Zero ? total : TimeSpan.FromHours(24);
    }
}

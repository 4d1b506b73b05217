using Cmux.Router.Loops;
using Cmux.Router.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Router.Forwarding;

/// <summary>
/// What Caddy's <c>reverse_proxy</c> does to the request and response beyond YARP's default copy
/// (which already drops the fixed hop-by-hop headers): the target goes upstream as Go writes it
/// (the client's bytes, unless the path holds bytes Go must escape); the client's Host goes
/// upstream; headers the client's Connection header names are dropped too; <c>TE: trailers</c>
/// survives; X-Forwarded-For, -Host and -Proto replace whatever the client sent. The cmux profile
/// sends the upstream's own host and port as Host (<c>header_up Host {upstream_hostport}</c>),
/// strips the headers that stop a page being framed or fetched cross-origin, and opens CORS.
/// </summary>
public sealed class CaddyTransformer(RouterProfile profile, HopMark? mark = null) : HttpTransformer
{
    private const string XForwardedFor = "X-Forwarded-For";
    private const string XForwardedHost = "X-Forwarded-Host";
    private const string XForwardedProto = "X-Forwarded-Proto";
    private const string Trailers = "trailers";

    /// <summary>No dot-segment removal, no re-escaping: Go's proxy sends the client's bytes.</summary>
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>The methods cmux's Caddyfile lists in Access-Control-Allow-Methods.</summary>
    public const string CmuxAllowedMethods = "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD";

    /// <summary>Response headers cmux's Caddyfile removes (<c>header_down -...</c>) before adding its own CORS headers.</summary>
    private static readonly string[] CmuxStrippedHeaders =
    [
        HeaderNames.XFrameOptions,
        HeaderNames.ContentSecurityPolicy,
        HeaderNames.ContentSecurityPolicyReportOnly,
        "Cross-Origin-Embedder-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
        HeaderNames.AccessControlAllowOrigin,
        HeaderNames.AccessControlAllowMethods,
        HeaderNames.AccessControlAllowHeaders,
        HeaderNames.AccessControlExposeHeaders,
        HeaderNames.AccessControlAllowCredentials,
    ];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest,
        string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        // Go forwards the method as the client spelled it; YARP maps it case-insensitively onto
        // HttpMethod's constants ("get" becomes GET) and sends a websocket upgrade as GET whatever the
        // client's method was, so the upstream would accept an upgrade Caddy's upstream refuses.
        var method = httpContext.Request.Method;
        if (!string.Equals(proxyRequest.Method.Method, method, StringComparison.Ordinal))
        {
            proxyRequest.Method = new HttpMethod(method);
        }
        var rawTarget = httpContext.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (PathAndQuery(rawTarget) is { } pathAndQuery)
        {
            proxyRequest.RequestUri = new Uri(string.Concat(destinationPrefix, GoTarget.Escape(pathAndQuery)), in Verbatim);
        }

        var headers = proxyRequest.Headers;
        var original = httpContext.Request.Headers;
        // The Host header as received: HostString would turn punycode into Unicode.
        var host = original.Host.ToString();
        headers.Host = profile == RouterProfile.Cmux ? proxyRequest.RequestUri!.Authority : host;
        if (original.Connection.Count > 0)
        {
            RemoveConnectionOptions(original.Connection, proxyRequest);
        }
        if (ContainsToken(original.TE, Trailers))
        {
            headers.TryAddWithoutValidation(HeaderNames.TE, Trailers);
        }
        headers.Remove(XForwardedFor);
        headers.Remove(XForwardedHost);
        headers.Remove(XForwardedProto);
        if (httpContext.Connection.RemoteIpAddress is { } client)
        {
            headers.TryAddWithoutValidation(XForwardedFor, client.ToString());
        }
        headers.TryAddWithoutValidation(XForwardedHost, host);
        headers.TryAddWithoutValidation(XForwardedProto, httpContext.Request.Scheme);
        if (mark is not null)
        {
            // Appended to the client's own entries (HttpClient joins them with ", "), so a loop
            // through any other hop comes back carrying it.
            headers.TryAddWithoutValidation(HeaderNames.Via, mark.Entry);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (profile == RouterProfile.Cmux && proxyResponse is not null)
        {
            var headers = httpContext.Response.Headers;
            foreach (var name in CmuxStrippedHeaders)
            {
                headers.Remove(name);
            }
            AddOpenCors(headers);
        }
        return copyBody;
    }

    /// <summary>The path and query of an origin-form or absolute-form target; null for <c>*</c> and authority-form.</summary>
    internal static string? PathAndQuery(string rawTarget)
    {
        if (rawTarget.StartsWith('/'))
        {
            return rawTarget;
        }
        var scheme = rawTarget.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return null;
        }
        var authority = scheme + 3;
        var path = rawTarget.AsSpan(authority).IndexOfAny('/', '?');
        if (path < 0)
        {
            return "/";
        }
        var rest = rawTarget[(authority + path)..];
        return rest[0] == '?' ? "/" + rest : rest;
    }

    private static void RemoveConnectionOptions(StringValues connection, HttpRequestMessage proxyRequest)
    {
        foreach (var value in connection)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var name = value.AsSpan(range).Trim().ToString();
                // Go keeps the Host and the body's framing outside the header map, so naming them
                // in Connection never changes what goes upstream; here they are headers, so skip them.
                if (IsNotAnOption(name))
                {
                    continue;
                }
                if (proxyRequest.Headers.NonValidated.Contains(name))
                {
                    proxyRequest.Headers.Remove(name);
                }
                if (proxyRequest.Content?.Headers.NonValidated.Contains(name) == true)
                {
                    proxyRequest.Content.Headers.Remove(name);
                }
            }
        }
    }

    private static bool IsNotAnOption(string name) =>
        name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase);

    private static bool ContainsToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan(range).Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The CORS headers cmux's Caddyfile sets on every answer of a sandbox route (the 502s included).</summary>
    public static void AddOpenCors(IHeaderDictionary headers)
    {
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = CmuxAllowedMethods;
        headers.AccessControlAllowHeaders = "*";
        headers.AccessControlExposeHeaders = "*";
    }
}

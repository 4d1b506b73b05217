using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Fakes.Edge.Forwarding;

/// <summary>
/// The request an origin receives through the tunnel, as cloudflared sends it: the visitor's Host
/// (or <c>httpHostHeader</c>), <c>X-Forwarded-Proto: https</c>, <c>X-Forwarded-For</c>,
/// <c>Cf-Connecting-Ip</c>, <c>Cf-Ray</c>, <c>Cf-Visitor</c>, <c>Cdn-Loop</c>, <c>Cf-Warp-Tag-Id</c>
/// and, behind Access, <c>Cf-Access-Jwt-Assertion</c>. Visitors cannot forge any of them. The
/// visitor sees <c>Server: cloudflare</c>, whatever the origin says.
/// </summary>
public sealed class TunnelTransformer(string host, string tunnelId, string ray, string? accessJwt) : HttpTransformer
{
    public const string JwtAssertionHeader = "Cf-Access-Jwt-Assertion";

    private static readonly string[] EdgeHeaders =
    [
        "X-Forwarded-Proto", "X-Forwarded-For", "Cf-Connecting-Ip", "Cf-Ray", "Cf-Visitor", "Cf-Ipcountry", "Cdn-Loop", "Cf-Warp-Tag-Id", JwtAssertionHeader,
    ];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        foreach (var name in EdgeHeaders)
        {
            headers.Remove(name);
        }
        var client = httpContext.Connection.RemoteIpAddress;
        var clientIp = (client is { IsIPv4MappedToIPv6: true } ? client.MapToIPv4() : client)?.ToString() ?? "";
        headers.Host = host;
        headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        headers.TryAddWithoutValidation("X-Forwarded-For", clientIp);
        headers.TryAddWithoutValidation("Cf-Connecting-Ip", clientIp);
        headers.TryAddWithoutValidation("Cf-Ray", ray);
        headers.TryAddWithoutValidation("Cf-Visitor", "{\"scheme\":\"https\"}");
        headers.TryAddWithoutValidation("Cf-Ipcountry", "XX");
        headers.TryAddWithoutValidation("Cdn-Loop", "cloudflare");
        headers.TryAddWithoutValidation("Cf-Warp-Tag-Id", tunnelId);
        if (accessJwt is not null)
        {
            headers.TryAddWithoutValidation(JwtAssertionHeader, accessJwt);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        httpContext.Response.Headers.Server = "cloudflare";
        return result;
    }
}

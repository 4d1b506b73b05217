using System.Security.Cryptography;
using Cmux.Fakes.Edge.Access;
using Cmux.Fakes.Edge.Forwarding;
using Cmux.Fakes.Edge.RemoteConfig;
using Cmux.ServiceDefaults;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Fakes.Edge;

/// <summary>
/// What a visitor meets, in Cloudflare's order: HTTP is redirected to HTTPS; the Browser Integrity
/// Check (optional); the name's DNS record leads to a tunnel; Access; the tunnel's ingress picks
/// the origin (cloudflared's matching), and the request is forwarded as cloudflared forwards it.
/// Only <c>/health</c> and <c>/alive</c> on plain HTTP are the edge's own.
/// </summary>
public sealed class EdgeMiddleware(
    RequestDelegate next,
    RemoteConfigPoller remoteConfig,
    AccessGate access,
    AccessTokens tokens,
    IHttpForwarder forwarder,
    OriginInvokers invokers,
    IServer server,
    IOptions<EdgeOptions> options)
{
    public Task InvokeAsync(HttpContext context) => context.Request.IsHttps ? ServeAsync(context) : RedirectAsync(context);

    private Task RedirectAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath) || request.Path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath))
        {
            return next(context);
        }
        var port = HttpsPort();
        var authority = port is 443 or 0 ? request.Host.Host : $"{request.Host.Host}:{port}";
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = $"https://{authority}{request.PathBase}{request.Path}{request.QueryString}";
        return Task.CompletedTask;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var ray = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-CMX";
        response.Headers.Server = "cloudflare";
        response.Headers["CF-RAY"] = ray;

        if (options.Value.BlockNonBrowserUserAgents && !LooksLikeBrowser(request.Headers.UserAgent.ToString()))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, 1010);
            return;
        }
        if (request.Path.Equals("/cdn-cgi/access/certs", StringComparison.Ordinal))
        {
            await response.WriteAsJsonAsync(tokens.Certificates());
            return;
        }

        var host = request.Host.Host.ToLowerInvariant();
        var snapshot = remoteConfig.Current;
        if (snapshot.ResolveRecord(host) is not { } record || EdgeSnapshot.TunnelId(record) is not { } tunnelId)
        {
            await ErrorAsync(context, 530, 1016);
            return;
        }
        if (!snapshot.Ingress.TryGetValue(tunnelId, out var ingress))
        {
            await ErrorAsync(context, 530, 1033);
            return;
        }

        string? jwt;
        switch (await access.EvaluateAsync(context, snapshot))
        {
            case AccessOutcome.Login login:
                response.StatusCode = StatusCodes.Status302Found;
                response.Headers.Location = login.Location;
                return;
            case AccessOutcome.Refuse:
                response.StatusCode = StatusCodes.Status403Forbidden;
                await response.WriteAsync("Forbidden: Cloudflare Access denied this request");
                return;
            case AccessOutcome.Pass pass:
                jwt = pass.Jwt;
                if (pass.SetCookie && pass.Jwt is not null)
                {
                    response.Cookies.Append(AccessGate.CookieName, pass.Jwt, new CookieOptions
                    {
                        HttpOnly = true,
                        Secure = true,
                        SameSite = SameSiteMode.None,
                        Path = "/",
                        Expires = DateTimeOffset.UtcNow + pass.Lifetime,
                    });
                }
                break;
            default:
                throw new InvalidOperationException("unknown Access outcome");
        }

        var rule = ingress.Match(host, request.Path.Value ?? "/");
        if (rule.Service.Status is { } status)
        {
            response.StatusCode = status;
            return;
        }
        var origin = rule.Service.Origin!;
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true ? options.Value.WebSocketIdleTimeout : options.Value.OriginResponseTimeout,
        };
        var transformer = new TunnelTransformer(rule.OriginRequest.HttpHostHeader ?? request.Host.Value ?? host, tunnelId, ray, jwt);
        var error = await forwarder.SendAsync(context, origin.GetLeftPart(UriPartial.Authority), invokers.For(rule.OriginRequest.NoTlsVerify), config, transformer);
        if (error == ForwarderError.RequestTimedOut && !response.HasStarted)
        {
            // Cloudflare's "A timeout occurred".
            response.StatusCode = 524;
        }
    }

    // Cloudflare's plain-text error for non-browser clients, e.g. "error code: 1010".
    private static Task ErrorAsync(HttpContext context, int status, int code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync($"error code: {code}");
    }

    private static bool LooksLikeBrowser(string userAgent) => userAgent.StartsWith("Mozilla/", StringComparison.Ordinal);

    private int HttpsPort() =>
        options.Value.HttpsPort is > 0 and var configured
            ? configured
            : server.Features.Get<IServerAddressesFeature>()?.Addresses
                .Select(a => BindingAddress.Parse(a))
                .FirstOrDefault(a => a.Scheme == "https")?.Port ?? 443;
}

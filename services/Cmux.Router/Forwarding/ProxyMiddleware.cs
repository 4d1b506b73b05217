using System.Diagnostics;
using System.Net;
using Cmux.Router.Loops;
using Cmux.Router.Routing;
using Cmux.Router.Telemetry;
using Cmux.ServiceDefaults;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Router.Forwarding;

/// <summary>
/// The router: validates what Go's server would reject, picks a route from the Host, and either
/// answers as Caddy would or forwards through YARP. Every request on the public port gets what Caddy
/// would answer, whatever its path or Host; only requests on the management port
/// (<c>Management:Port</c>) go on to the rest of the pipeline, the health endpoints.
/// </summary>
public sealed class ProxyMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly HostRouter _router;
    private readonly CaddyTransformer _transformer;
    private readonly CaddyResponses _responses;
    private readonly RouterTelemetry _telemetry;
    private readonly ILogger<ProxyMiddleware> _logger;
    private readonly bool _cmux;
    private readonly ForwarderRequestConfig _httpConfig;
    private readonly ForwarderRequestConfig _upgradeConfig;
    private readonly int? _managementPort;
    private readonly HopMark _mark;

    public ProxyMiddleware(RequestDelegate next, IHttpForwarder forwarder, UpstreamClient upstream, HostRouter router,
        RouterTelemetry telemetry, IOptions<RouterOptions> options, HopMark mark, IConfiguration configuration, ILogger<ProxyMiddleware> logger)
    {
        _managementPort = configuration.ManagementPort();
        _mark = mark;
        _next = next;
        _forwarder = forwarder;
        _invoker = upstream.Invoker;
        _router = router;
        _telemetry = telemetry;
        _logger = logger;
        var profile = options.Value.Profile;
        _transformer = new CaddyTransformer(profile, mark);
        _responses = new CaddyResponses(profile, options.Value.Domain);
        _cmux = profile == RouterProfile.Cmux;
        // Caddy puts no time limit on a response or a websocket; YARP's activity timeout is both.
        _httpConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = Timeout.InfiniteTimeSpan,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _upgradeConfig = _httpConfig with { ActivityTimeout = options.Value.WebSocketIdleTimeout ?? Timeout.InfiniteTimeSpan };
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (Http1MinorVersions.WasRewritten(context))
        {
            // Only the connection's first request line was read as HTTP/1.1; a second one would be refused.
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (response.StatusCode != StatusCodes.Status101SwitchingProtocols)
                {
                    response.Headers.Connection = "close";
                }
                return Task.CompletedTask;
            }, context.Response);
        }
        if (context.IsManagementRequest(_managementPort))
        {
            return _next(context);
        }
        var request = context.Request;
        if (CaddyResponses.HasConflictingLength(request))
        {
            return CaddyResponses.ConflictingLengthAsync(context);
        }
        // What Go's server itself refuses or answers, before Caddy's handlers see the request.
        if (GoTarget.HasBadEscape(context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget))
        {
            return CaddyResponses.BadRequestAsync(context);
        }
        if (GoHeaders.HasInvalidName(request.Headers))
        {
            return CaddyResponses.BadRequestAsync(context, "invalid header name");
        }
        if (CaddyResponses.HasUnknownExpectation(request))
        {
            return CaddyResponses.ExpectationFailedAsync(context);
        }
        if (CaddyResponses.IsServerWideOptions(context))
        {
            return CaddyResponses.ServerWideOptionsAsync(context);
        }
        // cmux's Caddyfile answers every OPTIONS first, whatever the Host.
        if (_cmux && HttpMethods.IsOptions(request.Method))
        {
            _telemetry.RecordRequest(RouteKind.None, StatusCodes.Status204NoContent);
            return CaddyResponses.PreflightAsync(context);
        }

        if (request.Headers.Host.Count == 0 && AbsoluteAuthority(context) is { Length: > 0 } authority)
        {
            // An HTTP/1.0 request may omit Host; Go then takes the authority of an absolute-form
            // target as the Host (Kestrel does so only when a Host header is present to override).
            request.Headers.Host = authority;
        }
        var decision = _router.Route(request.Headers.Host.ToString());
        switch (decision.Outcome)
        {
            case RouteOutcome.Forward when _mark.IsOwn(request.Headers.Via):
                _telemetry.RecordRequest(decision.Kind, StatusCodes.Status508LoopDetected);
                return CaddyResponses.LoopDetectedAsync(context, "the request already went through this router");
            case RouteOutcome.Forward:
                return ForwardAsync(context, decision);
            case RouteOutcome.BadPort:
                _telemetry.RecordRequest(decision.Kind, StatusCodes.Status502BadGateway);
                if (_cmux)
                {
                    CaddyTransformer.AddOpenCors(context.Response.Headers);
                }
                return CaddyResponses.BadGatewayAsync(context);
            case RouteOutcome.PortNotAllowed:
                _telemetry.RecordRequest(decision.Kind, StatusCodes.Status403Forbidden);
                return CaddyResponses.PortNotAllowedAsync(context, decision.Port);
            default:
                _telemetry.RecordRequest(RouteKind.None, StatusCodes.Status404NotFound);
                return _responses.NotFoundAsync(context);
        }
    }

    private async Task ForwardAsync(HttpContext context, RouteDecision decision)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = RouterTelemetry.StartForward(decision.Kind, decision.Destination!);
        var isUpgrade = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true;
        var error = await _forwarder.SendAsync(context, decision.Destination!, _invoker,
            isUpgrade ? _upgradeConfig : _httpConfig, _transformer);
        if (error != ForwarderError.None && !context.Response.HasStarted
            && context.Features.Get<IForwarderErrorFeature>()?.Exception is { } failure && IsLoop(failure))
        {
            await CaddyResponses.LoopDetectedAsync(context, "the upstream is this router's own listener");
        }
        else if (error != ForwarderError.None && _cmux && !context.Response.HasStarted)
        {
            // Caddy's header directive has set the CORS headers before the proxy fails.
            CaddyTransformer.AddOpenCors(context.Response.Headers);
        }
        var status = context.Response.StatusCode;
        _telemetry.RecordUpstream(decision.Kind, status, Stopwatch.GetElapsedTime(started));
        _telemetry.RecordRequest(decision.Kind, status);
        if (error != ForwarderError.None)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.ToString());
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            _logger.LogDebug(exception, "Forwarding to {Destination} failed: {Error}", decision.Destination, error);
        }
    }

    private static string? AbsoluteAuthority(HttpContext context)
    {
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0 || target.AsSpan(0, scheme).ContainsAny('/', '?'))
        {
            return null;
        }
        var authority = target.AsSpan(scheme + 3);
        var end = authority.IndexOfAny('/', '?');
        return (end < 0 ? authority : authority[..end]).ToString();
    }

    private static bool IsLoop(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is UpstreamLoopException)
            {
                return true;
            }
        }
        return false;
    }
}

using System.Diagnostics;
using System.Net;
using Cmux.Fakes.Morph.Api;
using Cmux.Fakes.Morph.Instances;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Fakes.Morph.Gateway;

/// <summary>
/// Morph's HTTPS gateway: <c>{name}-morphvm-{id}.{domain}</c> reaches port <c>port</c> of the
/// instance's sandbox when the instance exposed a service <c>name</c> for it. Websockets pass
/// through. api_key services need <c>Authorization: Bearer &lt;api key&gt;</c> (401 otherwise), and
/// the key is not passed on to the sandbox. A paused or booting instance answers 503.
/// </summary>
public sealed class GatewayMiddleware(
    InstanceStore store, ApiKeys keys, IHttpForwarder forwarder, SandboxForwarderClient sandboxes, IOptions<MorphOptions> options)
    : IMiddleware
{
    private static readonly HttpTransformer KeepAuthorization = HttpTransformer.Default;
    private static readonly HttpTransformer DropAuthorization = new WithoutAuthorization();

    private readonly MorphOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host.Host;
        if (ServiceHost.Parse(host, _options.GatewayDomain) is not { } target)
        {
            await MorphErrors.Error(StatusCodes.Status404NotFound,
                $"{host} is not a service host: expected {{name}}-morphvm-{{id}}.{_options.GatewayDomain}", "service_not_found")
                .ExecuteAsync(context);
            return;
        }
        if (store.Find(target.InstanceId) is not { } instance)
        {
            await MorphErrors.InstanceNotFound(target.InstanceId).ExecuteAsync(context);
            return;
        }
        if (!instance.Services.TryGetValue(target.ServiceName, out var service))
        {
            await MorphErrors.ServiceNotFound(instance.Id, target.ServiceName).ExecuteAsync(context);
            return;
        }
        var needsKey = service.AuthMode == AuthMode.ApiKey;
        if (needsKey && !keys.Authorizes(context.Request))
        {
            await MorphErrors.Unauthorized().ExecuteAsync(context);
            return;
        }
        if (instance.Status != InstanceStatus.Ready)
        {
            await MorphErrors.Error(StatusCodes.Status503ServiceUnavailable,
                $"Instance {instance.Id} is {instance.Status}", "instance_not_ready").ExecuteAsync(context);
            return;
        }
        var destination = $"http://{instance.Address}:{service.Port}/";
        await forwarder.SendAsync(context, destination, sandboxes.Invoker, ForwarderRequestConfig.Empty,
            needsKey ? DropAuthorization : KeepAuthorization);
    }

    /// <summary>YARP's default transforms (X-Forwarded-*, the sandbox's own Host), and the API key that opened an api_key service stays at the gateway.</summary>
    private sealed class WithoutAuthorization : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await KeepAuthorization.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Authorization = null;
        }
    }
}

/// <summary>The one HTTP client the gateway forwards to sandboxes with, as YARP recommends.</summary>
public sealed class SandboxForwarderClient : IDisposable
{
    public HttpMessageInvoker Invoker { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    public void Dispose() => Invoker.Dispose();
}

using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Fakes.Edge.Forwarding;

/// <summary>The connections to origins: one pool that verifies TLS and one for <c>noTLSVerify</c> origins.</summary>
public sealed class OriginInvokers : IDisposable
{
    private readonly HttpMessageInvoker _verifying = Create(verifyTls: true);
    private readonly HttpMessageInvoker _unverified = Create(verifyTls: false);

    public HttpMessageInvoker For(bool noTlsVerify) => noTlsVerify ? _unverified : _verifying;

    private static HttpMessageInvoker Create(bool verifyTls)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            // cloudflared's connectTimeout default.
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (!verifyTls)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public void Dispose()
    {
        _verifying.Dispose();
        _unverified.Dispose();
    }
}

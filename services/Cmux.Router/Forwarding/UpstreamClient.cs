using System.Net;
using Cmux.Router.Resolution;
using Cmux.Router.Routing;

namespace Cmux.Router.Forwarding;

/// <summary>
/// The one <see cref="HttpMessageInvoker"/> every route shares, tuned for proxying: no proxy,
/// redirects, decompression or cookies; pooled keep-alive connections; the dial timeout; no
/// trace headers added (Caddy adds none). Certificates are not verified: the only HTTPS upstream
/// is the PVE API, whose certificate is self-signed (the seed's <c>tls_insecure_skip_verify</c>).
/// </summary>
public sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(RouterOptions options, UpstreamConnector connector)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.EffectiveDialTimeout,
            ConnectCallback = connector.ConnectAsync,
            ActivityHeadersPropagator = null,
            // Byte for byte, as Kestrel decoded them (see RouterServices): non-ASCII values pass.
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
            ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
        }, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}

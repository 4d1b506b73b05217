using System.Net.Sockets;
using Cmux.Conformance.Providers;

namespace Cmux.Conformance.Http;

/// <summary>
/// Reaches public URLs along a <see cref="PublicRoute"/>: with a connect-to address every
/// connection goes there (the loopback edge, the Morph gateway, a router on the LAN) while the
/// URL's host stays the TLS server name and the <c>Host</c> header; with trusted roots,
/// certificates must chain to them, host name included.
/// </summary>
public static class ResolvingHandler
{
    public static SocketsHttpHandler Create(PublicRoute route)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        if (route.ConnectTo is { } target)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(target, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        if (route.TrustedRoots is { } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => roots.Validate(certificate, errors);
        }
        return handler;
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// A handler for the public sandbox URLs: plain in real mode; against the fakes it connects every
/// host to one loopback endpoint (as a wildcard DNS record pointing at the edge would) and trusts
/// only the run's CA.
/// </summary>
public static class PublicUrlHandler
{
    public static HttpMessageHandler Create(EndPoint? connectTo, X509Certificate2? trustedRoot)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        if (connectTo is not null)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(connectTo, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        if (trustedRoot is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { trustedRoot },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            };
        }
        return handler;
    }
}

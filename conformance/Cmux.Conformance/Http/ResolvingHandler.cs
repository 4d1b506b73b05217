using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Cmux.Fakes.RunPki;

namespace Cmux.Conformance.Http;

/// <summary>
/// Reaches public URLs whose hosts only exist in a run (<c>*.example.test</c>,
/// <c>*.http.cloud.morph.so</c> served by a fake): every connection goes to one loopback endpoint
/// (the edge, the Morph gateway) while the URL's host stays the TLS server name and the
/// <c>Host</c> header, and certificates are checked against the run's CA, host name included.
/// </summary>
public static class ResolvingHandler
{
    public static SocketsHttpHandler Create(EndPoint target, RunCertificateAuthority? trust)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (_, ct) =>
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
            },
        };
        if (trust is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusts(trust, certificate, errors);
        }
        return handler;
    }

    /// <summary>
    /// Accepts a certificate the system trusts, or one that chains to the run's CA; a name
    /// mismatch is never forgiven, so the one-label wildcard rule still holds.
    /// </summary>
    public static bool Trusts(RunCertificateAuthority trust, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }
        using var chain = trust.CreateChain();
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}

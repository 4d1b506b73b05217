using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Cmux.Fakes.RunPki;

namespace Cmux.Testing;

/// <summary>
/// Reaches names that exist only in a test run (<c>*.example.test</c> at the edge,
/// <c>*.http.cloud.morph.so</c> at the Morph gateway): every connection goes to the loopback
/// endpoint <c>connectTo</c> picks for the request, the URL's host stays the TLS server name and
/// the <c>Host</c> header, and a certificate must chain to the run's CA and match the name.
/// </summary>
public static class RunPkiHandler
{
    public static SocketsHttpHandler Create(RunCertificateAuthority ca, Func<Uri, IPEndPoint> connectTo) => new()
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(connectTo(context.InitialRequestMessage.RequestUri!), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusts(ca, certificate, errors) },
    };

    /// <summary>The run CA's verdict plus the TLS name check (a wildcard covers one label only).</summary>
    public static bool Trusts(RunCertificateAuthority ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = ca.CreateChain();
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}

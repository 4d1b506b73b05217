using System.Security.Cryptography.X509Certificates;
using Cmux.Fakes.RunPki;

namespace Cmux.Fakes.Morph.Gateway;

/// <summary>
/// The gateway's certificate: a leaf for <c>*.{domain}</c> signed by the run's CA, which is loaded
/// from <c>Tls:CaDirectory</c> (or created there when the folder is empty).
/// </summary>
public static class GatewayCertificate
{
    public const string CaDirectoryKey = "Tls:CaDirectory";

    public static X509Certificate2 Issue(IConfiguration configuration, string gatewayDomain)
    {
        var folder = configuration[CaDirectoryKey];
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new InvalidOperationException(
                $"The Morph gateway serves HTTPS with a certificate from the run's CA: set {CaDirectoryKey} (env Tls__CaDirectory) to its folder.");
        }
        using var ca = RunCertificateAuthority.LoadOrCreate(folder, [gatewayDomain]);
        return ca.IssueServerCertificate([$"*.{gatewayDomain}", gatewayDomain]);
    }
}

using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Conformance.Http;

/// <summary>
/// Root certificates a run trusts for public URLs instead of the system's (<c>CMUX_CA_FILE</c>, or
/// the fake stack's CA). A chain must end in one of them and the host name must match: a name
/// mismatch is never forgiven, so the one-label wildcard rule still holds.
/// </summary>
public sealed class TrustedRoots : IDisposable
{
    private readonly X509Certificate2Collection _roots;

    private TrustedRoots(X509Certificate2Collection roots, string file)
    {
        _roots = roots;
        File = file;
    }

    /// <summary>The PEM file the roots came from (Chromium's trust store is built from it).</summary>
    public string File { get; }

    /// <summary>Loads every certificate of a PEM file; a clear error for a missing or empty one.</summary>
    public static TrustedRoots FromPemFile(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new FileNotFoundException($"The CA file '{file}' does not exist.", file);
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(file);
        if (roots.Count == 0)
        {
            throw new InvalidDataException($"The CA file '{file}' holds no PEM certificate.");
        }
        return new TrustedRoots(roots, file);
    }

    /// <summary>A TLS validation callback: the system's verdict when it has no complaint, else a chain to these roots.</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            root.Dispose();
        }
    }
}

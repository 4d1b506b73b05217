using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Fakes.RunPki;

/// <summary>
/// A certificate authority made for one run. The AppHost creates it once and writes
/// <c>ca.pem</c> and <c>ca.key</c> to a folder; the edge and the Morph gateway load it from there
/// and sign their own leaves, and tests and the browser trust <c>ca.pem</c>. It never touches the
/// machine's trust store.
/// </summary>
public sealed class RunCertificateAuthority : IDisposable
{
    public const string CertificateFile = "ca.pem";
    public const string KeyFile = "ca.key";

    private RunCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The root, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static RunCertificateAuthority Create(string name = "Cmux Conformance Run CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=Cmux.Conformance", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new RunCertificateAuthority(request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30)));
    }

    /// <summary>Writes the root (PEM) and its key (PKCS#8 PEM) into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, CertificateFile), Certificate.ExportCertificatePem());
        using var key = Certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(Path.Combine(folder, KeyFile), key.ExportPkcs8PrivateKeyPem());
    }

    public static RunCertificateAuthority Load(string folder) =>
        new(X509Certificate2.CreateFromPemFile(Path.Combine(folder, CertificateFile), Path.Combine(folder, KeyFile)));

    /// <summary>Loads the CA from <paramref name="folder"/>, creating and saving it first if it is not there.</summary>
    public static RunCertificateAuthority LoadOrCreate(string folder)
    {
        if (File.Exists(Path.Combine(folder, CertificateFile)) && File.Exists(Path.Combine(folder, KeyFile)))
        {
            return Load(folder);
        }
        var ca = Create();
        ca.Save(folder);
        return ca;
    }

    /// <summary>
    /// Signs a server leaf for exactly these names (wildcards such as <c>*.example.test</c>
    /// included verbatim, so TLS clients apply their one-label rule) and IP addresses.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string> dnsNames, IEnumerable<System.Net.IPAddress>? addresses = null)
    {
        var names = dnsNames.ToList();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names.FirstOrDefault() ?? "localhost"}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names.ForEach(san.AddDnsName);
        foreach (var address in addresses ?? [])
        {
            san.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        var now = DateTimeOffset.UtcNow;
        var notAfter = Certificate.NotAfter.ToUniversalTime() < now.AddDays(7).UtcDateTime
            ? new DateTimeOffset(Certificate.NotAfter.ToUniversalTime())
            : now.AddDays(7);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        // Kestrel on Linux needs the key attached and exportable; round-trip through PKCS#12.
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>A validation callback for clients that trust only this run's root (custom trust store).</summary>
    public X509Chain CreateChain()
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(Certificate.RawData));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    public void Dispose() => Certificate.Dispose();
}

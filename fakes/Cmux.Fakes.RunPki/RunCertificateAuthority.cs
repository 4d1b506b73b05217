using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Fakes.RunPki;

/// <summary>
/// A certificate authority made for one run. The AppHost creates it once and writes
/// <c>ca.pem</c> and <c>ca.key</c> (owner-only) to a folder; the edge, the Morph gateway and the
/// PVE fake load it from there and sign their own leaves, and tests and the browser trust
/// <c>ca.pem</c>. It never touches the machine's trust store. Because whoever trusts it trusts it
/// for every name it may sign, it is name-constrained to the run's domains and loopback
/// (RFC 5280 §4.2.1.10, critical) and lives <see cref="DefaultLifetime"/>.
/// </summary>
public sealed class RunCertificateAuthority : IDisposable
{
    public const string CertificateFile = "ca.pem";
    public const string KeyFile = "ca.key";

    /// <summary>Longer than any run (a run takes minutes; a dashboard session, hours), short enough that a copied root soon stops mattering.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(2);

    /// <summary>Names every run's services use: loopback by name. Addresses: 127.0.0.0/8 and ::1.</summary>
    public static readonly IReadOnlyList<string> LoopbackNames = ["localhost"];

    private static readonly (IPAddress Address, IPAddress Mask)[] LoopbackRanges =
    [
        (IPAddress.Parse("127.0.0.0"), IPAddress.Parse("255.0.0.0")),
        (IPAddress.IPv6Loopback, IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
    ];

    private RunCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The root, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// A new CA that may sign only for <paramref name="permittedDomains"/> (each covers itself and
    /// every name below it), <see cref="LoopbackNames"/> and loopback addresses.
    /// </summary>
    public static RunCertificateAuthority Create(IEnumerable<string> permittedDomains, TimeSpan? lifetime = null, string name = "Cmux Conformance Run CA")
    {
        var domains = permittedDomains.Concat(LoopbackNames).Select(Normalize).Distinct(StringComparer.Ordinal).ToList();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=Cmux.Conformance", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(NameConstraints(domains));
        var now = DateTimeOffset.UtcNow;
        return new RunCertificateAuthority(request.CreateSelfSigned(now.AddMinutes(-5), now + (lifetime ?? DefaultLifetime)));
    }

    /// <summary>The DNS subtrees this CA may sign for, read back from its certificate.</summary>
    public IReadOnlyList<string> PermittedDomains => ReadPermitted(Certificate).Domains;

    /// <summary>Writes the root (PEM) and its key (PKCS#8 PEM, owner-only) into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, CertificateFile), Certificate.ExportCertificatePem());
        using var key = Certificate.GetECDsaPrivateKey()!;
        OwnerOnlyFile.Write(Path.Combine(folder, KeyFile), key.ExportPkcs8PrivateKeyPem());
    }

    public static RunCertificateAuthority Load(string folder) =>
        new(X509Certificate2.CreateFromPemFile(Path.Combine(folder, CertificateFile), Path.Combine(folder, KeyFile)));

    /// <summary>Loads the CA from <paramref name="folder"/>, creating (for <paramref name="permittedDomains"/>) and saving it first if it is not there.</summary>
    public static RunCertificateAuthority LoadOrCreate(string folder, IEnumerable<string> permittedDomains)
    {
        if (File.Exists(Path.Combine(folder, CertificateFile)) && File.Exists(Path.Combine(folder, KeyFile)))
        {
            return Load(folder);
        }
        var ca = Create(permittedDomains);
        ca.Save(folder);
        return ca;
    }

    /// <summary>Whether this CA may sign for <paramref name="name"/> (a DNS name, wildcards included).</summary>
    public bool Permits(string name)
    {
        var normalized = Normalize(name);
        return PermittedDomains.Any(d => normalized == d || normalized.EndsWith("." + d, StringComparison.Ordinal));
    }

    /// <summary>
    /// Signs a server leaf for exactly these names (wildcards such as <c>*.example.test</c>
    /// included verbatim, so TLS clients apply their one-label rule) and IP addresses. A name the
    /// CA's constraints forbid is refused here, rather than by every client later.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string> dnsNames, IEnumerable<IPAddress>? addresses = null)
    {
        var names = dnsNames.ToList();
        var ips = (addresses ?? []).ToList();
        if (names.FirstOrDefault(n => !Permits(n)) is { } outside)
        {
            throw new ArgumentException($"{outside} is outside the run CA's name constraints ({string.Join(", ", PermittedDomains)})", nameof(dnsNames));
        }
        if (ips.FirstOrDefault(a => !IPAddress.IsLoopback(a)) is { } address)
        {
            throw new ArgumentException($"{address} is not a loopback address: the run CA signs only for loopback", nameof(addresses));
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names.FirstOrDefault() ?? "localhost"}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names.ForEach(san.AddDnsName);
        ips.ForEach(san.AddIpAddress);
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

    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>NameConstraints with permitted subtrees only: each domain as a dNSName, and the loopback ranges.</summary>
    private static X509Extension NameConstraints(IEnumerable<string> domains)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                foreach (var domain in domains)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.IA5String, domain, new Asn1Tag(TagClass.ContextSpecific, 2));
                    }
                }
                foreach (var (address, mask) in LoopbackRanges)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString([.. address.GetAddressBytes(), .. mask.GetAddressBytes()], new Asn1Tag(TagClass.ContextSpecific, 7));
                    }
                }
            }
        }
        return new X509Extension(NameConstraintsOid, writer.Encode(), critical: true);
    }

    public const string NameConstraintsOid = "2.5.29.30";

    /// <summary>The permitted subtrees of a certificate's NameConstraints: DNS domains and IP ranges (address/mask bytes).</summary>
    public static (IReadOnlyList<string> Domains, IReadOnlyList<byte[]> Ranges) ReadPermitted(X509Certificate2 certificate)
    {
        var domains = new List<string>();
        var ranges = new List<byte[]>();
        if (certificate.Extensions[NameConstraintsOid] is not { } extension)
        {
            return (domains, ranges);
        }
        var constraints = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        if (!constraints.HasData || constraints.PeekTag() != new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))
        {
            return (domains, ranges);
        }
        var permitted = constraints.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
        while (permitted.HasData)
        {
            var subtree = permitted.ReadSequence();
            var tag = subtree.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
            {
                domains.Add(subtree.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 2)));
            }
            else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 7)))
            {
                ranges.Add(subtree.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7)));
            }
            else
            {
                subtree.ReadEncodedValue();
            }
        }
        return (domains, ranges);
    }
}

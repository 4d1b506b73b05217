using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Fakes.RunPki.Tests;

/// <summary>
/// The run CA may sign only for the run's names and loopback, and whoever trusts it enforces that:
/// a leaf for a name outside is refused by chain validation (OpenSSL here, as in Chromium), not
/// only by our issuing code. It is short-lived and its key is owner-only on disk.
/// </summary>
public sealed class RunCertificateAuthorityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-ca-").FullName;
    private readonly RunCertificateAuthority _ca = RunCertificateAuthority.Create(["example.test", "http.cloud.morph.so", "pve", "pve.lan"]);

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public void The_constraints_are_critical_and_name_the_run_domains_localhost_and_loopback()
    {
        var extension = _ca.Certificate.Extensions[RunCertificateAuthority.NameConstraintsOid].ShouldNotBeNull();
        extension.Critical.ShouldBeTrue();

        var (domains, ranges) = RunCertificateAuthority.ReadPermitted(_ca.Certificate);

        domains.ShouldBe(["example.test", "http.cloud.morph.so", "pve", "pve.lan", "localhost"]);
        ranges.Select(Convert.ToHexString).ShouldBe(["7F000000FF000000", "00000000000000000000000000000001" + new string('F', 32)]);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    [InlineData("*.example.test")]
    [InlineData("port-39378-vm-200.example.test")]
    [InlineData("a.custom.example.test")]
    [InlineData("*.http.cloud.morph.so")]
    [InlineData("pve.lan")]
    [InlineData("localhost")]
    public void A_leaf_for_a_run_name_validates(string name)
    {
        using var leaf = _ca.IssueServerCertificate([name], [IPAddress.Loopback]);

        Validate(leaf).ShouldBe(X509ChainStatusFlags.NoError);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    [InlineData("example.com")]
    [InlineData("www.google.com")]
    [InlineData("cloud.morph.so")]
    [InlineData("notexample.test")]
    [InlineData("pve.example.com")]
    public void A_leaf_for_any_other_name_is_refused_by_the_verifier(string name)
    {
        _ca.Permits(name).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => _ca.IssueServerCertificate([name]));

        // Signed anyway, bypassing our own check: the chain still fails on the CA's constraint.
        using var leaf = SignAnyway([name], []);

        (Validate(leaf) & X509ChainStatusFlags.HasNotPermittedNameConstraint).ShouldBe(X509ChainStatusFlags.HasNotPermittedNameConstraint);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public void A_leaf_for_an_address_off_loopback_is_refused_by_the_verifier()
    {
        Should.Throw<ArgumentException>(() => _ca.IssueServerCertificate(["example.test"], [IPAddress.Parse("192.0.2.1")]));

        using var leaf = SignAnyway(["example.test"], [IPAddress.Parse("192.0.2.1")]);

        (Validate(leaf) & X509ChainStatusFlags.HasNotPermittedNameConstraint).ShouldBe(X509ChainStatusFlags.HasNotPermittedNameConstraint);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public void It_lives_two_days_and_its_leaves_no_longer()
    {
        using var leaf = _ca.IssueServerCertificate(["example.test"]);

        (_ca.Certificate.NotAfter - _ca.Certificate.NotBefore).ShouldBeLessThanOrEqualTo(RunCertificateAuthority.DefaultLifetime + TimeSpan.FromMinutes(5));
        RunCertificateAuthority.DefaultLifetime.ShouldBe(TimeSpan.FromDays(2));
        leaf.NotAfter.ShouldBeLessThanOrEqualTo(_ca.Certificate.NotAfter);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public void The_key_is_saved_owner_only_even_over_a_world_readable_file_and_loads_back()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes are checked on Linux");
        }
        var key = Path.Combine(_folder, RunCertificateAuthority.KeyFile);
        File.WriteAllText(key, "an older key");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        _ca.Save(_folder);

        File.GetUnixFileMode(key).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.GetFiles(_folder).Select(Path.GetFileName).ShouldBe([RunCertificateAuthority.CertificateFile, RunCertificateAuthority.KeyFile], ignoreOrder: true);
        using var loaded = RunCertificateAuthority.Load(_folder);
        loaded.Certificate.Thumbprint.ShouldBe(_ca.Certificate.Thumbprint);
        loaded.PermittedDomains.ShouldBe(_ca.PermittedDomains);
    }

    private X509ChainStatusFlags Validate(X509Certificate2 leaf)
    {
        using var chain = _ca.CreateChain();
        chain.Build(leaf);
        return chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
    }

    private X509Certificate2 SignAnyway(IEnumerable<string> names, IEnumerable<IPAddress> addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=outside", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }
        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca.Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(_ca.Certificate, now.AddMinutes(-1), now.AddHours(1), RandomNumberGenerator.GetBytes(8));
    }
}

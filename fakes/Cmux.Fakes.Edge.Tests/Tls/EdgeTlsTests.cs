using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Fakes.Edge.Tests.Tls;

/// <summary>The edge's TLS: Universal SSL's one-label wildcard from the run's CA, custom certificates by SNI, TLS 1.2 and 1.3, HTTP redirected.</summary>
public sealed class EdgeTlsTests(EdgeStack stack) : IClassFixture<EdgeStack>
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public async Task The_universal_certificate_chains_to_the_run_ca_and_names_the_apex_and_one_wildcard()
    {
        using var tls = await HandshakeAsync("port-39378-vm-200.example.test", SslProtocols.None);
        using var leaf = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());

        leaf.Issuer.ShouldBe(stack.Ca.Certificate.Subject);
        using var chain = stack.Ca.CreateChain();
        chain.Build(leaf).ShouldBeTrue();
        leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames()
            .ShouldBe(["*.example.test", "example.test"], ignoreOrder: true);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    [InlineData("port-39378-vm-200.example.test")]
    [InlineData("example.test")]
    [InlineData("pve.example.test")]
    [InlineData("port-1-vm-2.custom.example.test")]
    public async Task One_label_names_and_custom_hostnames_verify(string host)
    {
        using var client = stack.CreateClient();
        using var tls = await HandshakeAsync(host, SslProtocols.None);

        tls.IsAuthenticated.ShouldBeTrue();
        // The handshake verified; the request gets an answer from the edge (any status but a TLS failure).
        (await client.GetAsync($"https://{host}/", HttpCompletionOption.ResponseHeadersRead)).Headers.GetValues("Server").ShouldContain("cloudflare");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public async Task A_two_label_name_fails_verification_without_a_custom_certificate()
    {
        using var client = stack.CreateClient();

        var error = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync("https://port-1-vm-2.sub.example.test/"));

        error.InnerException.ShouldBeOfType<AuthenticationException>();
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls_12_and_13_are_each_negotiated(SslProtocols protocol)
    {
        using var tls = await HandshakeAsync("port-1-vm-2.example.test", protocol);

        tls.SslProtocol.ShouldBe(protocol);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Tls)]
    public async Task Plain_http_is_redirected_to_https_with_path_and_query()
    {
        using var client = stack.CreateClient();

        using var response = await client.GetAsync("http://port-1-vm-2.example.test/a/b?c=d");

        response.StatusCode.ShouldBe(HttpStatusCode.MovedPermanently);
        response.Headers.Location.ShouldBe(new Uri($"https://port-1-vm-2.example.test:{stack.Edge.Address("https").Port}/a/b?c=d"));
    }

    private async Task<SslStream> HandshakeAsync(string host, SslProtocols protocol)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, stack.Edge.Address("https").Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = stack.ValidateCertificate,
        });
        return tls;
    }
}

using System.Security.Cryptography.X509Certificates;
using Cmux.Fakes.RunPki;

namespace Cmux.Fakes.Edge.Tls;

/// <summary>
/// What Cloudflare serves by SNI: the free Universal SSL certificate (<c>{domain}</c> and
/// <c>*.{domain}</c>, one label only) unless a custom certificate covers the name.
/// Both are signed by the run's CA, loaded (or created) from <c>Tls:CaDirectory</c>.
/// </summary>
public sealed class EdgeCertificates : IDisposable
{
    public const string CaDirectoryKey = "Tls:CaDirectory";

    private readonly X509Certificate2 _universal;
    private readonly IReadOnlyList<(string Name, X509Certificate2 Certificate)> _custom;

    public EdgeCertificates(RunCertificateAuthority ca, string domain, IEnumerable<string> customHostnames)
    {
        _universal = ca.IssueServerCertificate([$"*.{domain}", domain]);
        _custom = customHostnames.Select(name => (name, ca.IssueServerCertificate([name]))).ToList();
    }

    public static EdgeCertificates Load(IConfiguration configuration, EdgeOptions options)
    {
        var folder = configuration[CaDirectoryKey];
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new InvalidOperationException($"{CaDirectoryKey} is not set: the edge needs the run's CA folder (it is created if empty).");
        }
        // A CA made here (the edge alone) may sign for the zone and the custom names only.
        using var ca = RunCertificateAuthority.LoadOrCreate(folder, [options.Domain, .. options.CustomHostnames.Select(n => n.TrimStart('*', '.'))]);
        return new EdgeCertificates(ca, options.Domain, options.CustomHostnames);
    }

    public X509Certificate2 Select(string? serverName) =>
        serverName is null ? _universal : _custom.FirstOrDefault(c => Covers(c.Name, serverName)).Certificate ?? _universal;

    // The TLS rule: a wildcard stands for exactly one label.
    private static bool Covers(string pattern, string name) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? name.IndexOf('.') is var dot and > 0 && string.Equals(name[(dot + 1)..], pattern[2..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        _universal.Dispose();
        foreach (var (_, certificate) in _custom)
        {
            certificate.Dispose();
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Cmux.Load.Targets;

/// <summary>
/// A configured target: builds the tuned HTTP handlers that reach it and refuses every connection
/// outside loopback unless the target was explicitly allowed to be remote.
/// </summary>
public sealed class Target
{
    private readonly X509Certificate2Collection? _trustedRoots;

    public Target(TargetOptions options)
    {
        if (options.Url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"target '{options.Url}': the scheme must be http or https");
        }
        Options = options;
        if (options.TrustedCaPemPath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException($"trusted CA file '{path}' does not exist");
            }
            _trustedRoots = [];
            _trustedRoots.ImportFromPemFile(path);
            if (_trustedRoots.Count == 0)
            {
                throw new ArgumentException($"trusted CA file '{path}' holds no PEM certificate");
            }
        }
    }

    public TargetOptions Options { get; }

    public Uri Url => Options.Url;

    public override string ToString() =>
        Options.ResolveTo is { } address ? $"{Url} (connecting to {address})"
        : Options.HostHeader is { } host ? $"{Url} (Host: {host})"
        : Url.ToString();

    /// <summary>
    /// A handler for load: no proxy, no decompression, no cookies, no redirects, at most
    /// <paramref name="maxConnections"/> connections, each connected by <see cref="ConnectAsync"/>.
    /// </summary>
    public SocketsHttpHandler CreateHandler(int maxConnections, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = connectTimeout,
            ConnectCallback = ConnectAsync,
        };
        if (_trustedRoots is { } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, certificate, _, errors) => IsTrusted(roots, certificate, errors);
        }
        return handler;
    }

    /// <summary>Fails before any traffic when the target resolves outside loopback and is not allowed to.</summary>
    public async Task EnsureAllowedAsync(CancellationToken ct)
    {
        var addresses = await ResolveAsync(Url.IdnHost, ct);
        if (!Options.AllowRemote && !addresses.Any(IPAddress.IsLoopback))
        {
            throw new InvalidOperationException(
                $"target {this} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, outside loopback; " +
                "a remote target needs AllowRemote (--allow-remote) and a rate cap (--rate-cap)");
        }
    }

    /// <summary>
    /// A connected TCP socket (no delay) to <paramref name="host"/>:<paramref name="port"/>, or to the
    /// resolve-to address; refuses every address outside loopback unless the target may be remote.
    /// </summary>
    public async ValueTask<Socket> ConnectSocketAsync(string host, int port, CancellationToken ct)
    {
        var addresses = (await ResolveAsync(host, ct))
            .Where(address => Options.AllowRemote || IPAddress.IsLoopback(address))
            .ToArray();
        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"refusing to connect to {host}: not a loopback address and the target is not allowed to be remote");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The TLS client options for <paramref name="serverName"/> (the SNI), HTTP/1.1 by ALPN,
    /// verifying the server against the trusted CA file when one is set, else the system's roots.
    /// </summary>
    public SslClientAuthenticationOptions SslOptions(string serverName)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
        if (_trustedRoots is { } roots)
        {
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(roots, certificate, errors);
        }
        return options;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct) =>
        new NetworkStream(await ConnectSocketAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct), ownsSocket: true);

    private async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        Options.ResolveTo is { } address ? [address]
        : IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal]
        : await Dns.GetHostAddressesAsync(host, ct);

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(leaf);
    }
}

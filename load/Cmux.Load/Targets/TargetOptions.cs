using System.Net;

namespace Cmux.Load.Targets;

/// <summary>
/// Where a scenario sends its traffic. <see cref="ResolveTo"/> connects to a given address whatever
/// the URL's host, so <c>https://port-39378-vm-200.example.test:8443/</c> can reach a loopback edge
/// with the right Host and SNI; <see cref="HostHeader"/> instead overrides the Host header alone.
/// </summary>
public sealed record TargetOptions
{
    public required Uri Url { get; init; }

    public string? HostHeader { get; init; }

    public IPAddress? ResolveTo { get; init; }

    /// <summary>A PEM file of CA certificates to trust for HTTPS (the run's CA in front of the fake edge).</summary>
    public string? TrustedCaPemPath { get; init; }

    /// <summary>Headers sent with every request, such as an Access service token.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>
    /// Lets connections go to addresses outside loopback. A plan with a remote target must also set
    /// a rate cap; without this flag every non-loopback connection is refused.
    /// </summary>
    public bool AllowRemote { get; init; }

    public static IReadOnlyList<KeyValuePair<string, string>> AccessServiceToken(string clientId, string clientSecret) =>
    [
        new("CF-Access-Client-Id", clientId),
        new("CF-Access-Client-Secret", clientSecret),
    ];
}

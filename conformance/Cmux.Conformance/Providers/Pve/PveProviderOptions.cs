using System.Net;
using Cmux.Fakes.RunPki;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// Where the PVE provider connects and how patiently it polls. Credentials come from the
/// environment (or user secrets mapped onto it) in real mode; nothing is hard-coded.
/// </summary>
public sealed record PveProviderOptions
{
    /// <summary>The PVE API, e.g. <c>https://pve.example.test:8006</c> (without <c>/api2/json</c>).</summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>The API token id, <c>user@realm!tokenid</c>.</summary>
    public required string TokenId { get; init; }

    public required string TokenSecret { get; init; }

    public string Node { get; init; } = "pve";

    /// <summary>The domain of the public URLs: <c>https://port-{port}-vm-{vmid}.{Domain}</c>.</summary>
    public string Domain { get; init; } = "example.test";

    public int TemplateVmid { get; init; } = 9000;

    /// <summary>cmux takes the smallest free vmid from here, across LXC and QEMU.</summary>
    public int FirstVmid { get; init; } = 200;

    /// <summary>cmux retries a clone whose vmid was taken in the meantime this many times.</summary>
    public int CloneAttempts { get; init; } = 5;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>PVE's certificate is self-signed; cmux turns verification off. False verifies it.</summary>
    public bool AcceptAnyApiCertificate { get; init; } = true;

    /// <summary>Cloudflare Access service token, sent on every API and sandbox request when set.</summary>
    public string? AccessClientId { get; init; }

    public string? AccessClientSecret { get; init; }

    /// <summary>The public URLs' scheme: <c>https</c> as the seed publishes them; <c>http</c> reaches a
    /// router directly, without the TLS edge in front.</summary>
    public string PublicScheme { get; init; } = "https";

    /// <summary>Connects every public URL here instead of resolving its host (the fake stack's edge or
    /// router); the URL's host still goes in the Host header and TLS server name.</summary>
    public EndPoint? PublicEndpoint { get; init; }

    /// <summary>Trusts only this root for the public URLs (the run's CA); null uses the system's trust.</summary>
    public RunCertificateAuthority? PublicTrust { get; init; }

    /// <summary>Replaces the HTTP handler for the PVE API (tests, custom trust).</summary>
    public HttpMessageHandler? ApiHandler { get; init; }

    public const string UrlVariable = "CMUX_PVE_URL";
    public const string TokenIdVariable = "CMUX_PVE_TOKEN_ID";
    public const string TokenSecretVariable = "CMUX_PVE_TOKEN_SECRET";
    public const string NodeVariable = "CMUX_PVE_NODE";
    public const string DomainVariable = "CMUX_DOMAIN";
    public const string AccessClientIdVariable = "CMUX_ACCESS_CLIENT_ID";
    public const string AccessClientSecretVariable = "CMUX_ACCESS_CLIENT_SECRET";

    /// <summary>Real mode: everything from the environment; null when <c>CMUX_PVE_URL</c> is not set.</summary>
    public static PveProviderOptions? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is not { Length: > 0 } url)
        {
            return null;
        }
        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{UrlVariable} is set, so {name} must be set too");
        return new PveProviderOptions
        {
            ApiUrl = new Uri(url),
            TokenId = Required(TokenIdVariable),
            TokenSecret = Required(TokenSecretVariable),
            Node = Environment.GetEnvironmentVariable(NodeVariable) is { Length: > 0 } node ? node : "pve",
            Domain = Required(DomainVariable),
            AccessClientId = Environment.GetEnvironmentVariable(AccessClientIdVariable),
            AccessClientSecret = Environment.GetEnvironmentVariable(AccessClientSecretVariable),
        };
    }

    /// <summary>The Access service-token headers, empty when none is configured.</summary>
    public IReadOnlyDictionary<string, string> AccessHeaders =>
        AccessClientId is { Length: > 0 } id && AccessClientSecret is { Length: > 0 } secret
            ? new Dictionary<string, string> { ["CF-Access-Client-Id"] = id, ["CF-Access-Client-Secret"] = secret }
            : new Dictionary<string, string>();
}

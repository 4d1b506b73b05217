using System.Globalization;
using System.Net;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Conformance.Providers.Pve;
using Cmux.Provisioning;

namespace Cmux.Conformance.Runtime;

/// <summary>
/// Real mode's providers, configured only from the environment (or <c>CMUX_CONFIG</c>): the one
/// place the suite reads these variables. A missing or malformed value is a
/// <see cref="SettingException"/> naming the variable.
/// </summary>
public static class RealProviders
{
    public static IReadOnlyList<ProviderSession> FromEnvironment(SandboxMark mark) => [new(Pve(mark)), Morph(mark)];

    public static PveProvider Pve(SandboxMark mark)
    {
        var domain = Required("CMUX_DOMAIN");
        var roots = Optional("CMUX_CA_FILE") is { } caFile ? Roots(caFile, "CMUX_CA_FILE") : null;
        return new PveProvider(new PveProviderOptions
        {
            ApiUrl = Url(Required("CMUX_PVE_URL"), "CMUX_PVE_URL"),
            TokenId = Required("CMUX_PVE_TOKEN_ID"),
            TokenSecret = Required("CMUX_PVE_TOKEN_SECRET"),
            Node = Optional("CMUX_PVE_NODE") ?? "pve",
            TemplateVmid = Integer("CMUX_PVE_TEMPLATE", 9000, 100),
            FirstVmid = FirstVmid(),
            Profile = Profile(),
            Domain = domain,
            AcceptAnyApiCertificate = Flag("CMUX_PVE_INSECURE"),
            ApiTrust = Optional("CMUX_PVE_CA_FILE") is { } pveCa ? Roots(pveCa, "CMUX_PVE_CA_FILE") : null,
            AccessClientId = Optional("CMUX_ACCESS_CLIENT_ID"),
            AccessClientSecret = Optional("CMUX_ACCESS_CLIENT_SECRET"),
            PublicScheme = Optional("CMUX_PUBLIC_SCHEME") switch
            {
                null or "https" => "https",
                "http" => "http",
                var other => throw new SettingException("CMUX_PUBLIC_SCHEME", $"must be 'https' or 'http', not '{other}'"),
            },
            Route = new PublicRoute(Optional("CMUX_CONNECT_TO") is { } to ? Endpoint(to, "CMUX_CONNECT_TO") : null, roots),
            Tunnel = Tunnel(domain),
            EdgeWebSocketIdleTimeout = Optional("CMUX_EDGE_IDLE_TIMEOUT") is { } idle ? Seconds(idle, "CMUX_EDGE_IDLE_TIMEOUT") : null,
            Mark = mark,
        });
    }

    /// <summary>Morph when <c>MORPH_API_KEY</c> is set; otherwise a provider this run reports as skipped, saying so.</summary>
    public static ProviderSession Morph(SandboxMark mark)
    {
        if (Optional("MORPH_API_KEY") is not { } key)
        {
            return ProviderSession.Unavailable(ProviderNames.Morph, "no Morph API key: set MORPH_API_KEY and MORPH_SNAPSHOT_ID to compare against Morph");
        }
        var api = Optional("MORPH_API_URL") ?? Optional("MORPH_BASE_URL");
        return new ProviderSession(new MorphProvider(new MorphProviderOptions
        {
            ApiKey = key,
            SnapshotId = Optional("MORPH_SNAPSHOT_ID") ?? throw new SettingException("MORPH_SNAPSHOT_ID", "must name the snapshot instances start from when MORPH_API_KEY is set"),
            ApiBaseUrl = api is null ? MorphProviderOptions.DefaultApiBaseUrl : Url(api.TrimEnd('/') + "/", "MORPH_API_URL"),
            GatewayDomain = Optional("MORPH_GATEWAY_DOMAIN") ?? MorphProviderOptions.DefaultGatewayDomain,
            Route = new PublicRoute(
                Optional("MORPH_CONNECT_TO") is { } to ? Endpoint(to, "MORPH_CONNECT_TO") : null,
                Optional("CMUX_CA_FILE") is { } caFile ? Roots(caFile, "CMUX_CA_FILE") : null),
            Mark = mark,
        }));
    }

    /// <summary>The Cloudflare account behind the tunnel, for the provisioning check; a dry run unless explicitly allowed.</summary>
    private static ProvisioningOptions? Tunnel(string domain)
    {
        if (Optional("CF_API_TOKEN") is not { } token)
        {
            return null;
        }
        // What the tunnel was provisioned with, so running the setup again can show it changes nothing.
        var defaults = new ProvisioningOptions();
        return new ProvisioningOptions
        {
            ApiBaseUrl = Optional("CF_API_URL") is { } url ? Url(url, "CF_API_URL") : defaults.ApiBaseUrl,
            ApiToken = token,
            AccountId = Required("CF_ACCOUNT_ID"),
            ZoneId = Required("CF_ZONE_ID"),
            Domain = domain,
            TunnelName = Optional("CF_TUNNEL_NAME") ?? defaults.TunnelName,
            RouterOrigin = Optional("CMUX_TUNNEL_ROUTER_ORIGIN") is { } router ? Url(router, "CMUX_TUNNEL_ROUTER_ORIGIN") : defaults.RouterOrigin,
            PveOrigin = Optional("CMUX_TUNNEL_PVE_ORIGIN") is { } pve ? Url(pve, "CMUX_TUNNEL_PVE_ORIGIN") : defaults.PveOrigin,
            Access = Flag("CMUX_TUNNEL_ACCESS"),
            DryRun = !Flag("CMUX_PROVISIONING_WRITE"),
        };
    }

    /// <summary><c>CMUX_SWEEP_AGE</c> (hours, default 6): a marked sandbox of another run older than this is a leftover.</summary>
    /// <summary>
    /// The smallest vmid the suite's clones take (<c>CMUX_PVE_FIRST_VMID</c>), in either mode: on a
    /// shared host it keeps clear of other guests; on one machine it lets two composed stacks run
    /// side by side without their sandboxes taking the same loopback addresses.
    /// </summary>
    public static int FirstVmid() => Integer("CMUX_PVE_FIRST_VMID", 200, 100);

    public static TimeSpan SweepAge() =>
        Optional("CMUX_SWEEP_AGE") is { } hours
            ? double.TryParse(hours, NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h >= 0
                ? TimeSpan.FromHours(h)
                : throw new SettingException("CMUX_SWEEP_AGE", $"must be a number of hours, not '{hours}'")
            : ConformanceRun.DefaultSweepAge;

    /// <summary><c>CMUX_PROFILE</c>: the URL pattern and exec wire format the PVE stack speaks.</summary>
    private static string Profile()
    {
        try
        {
            return Cmux.Contract.Profiles.Parse(Optional("CMUX_PROFILE"), "CMUX_PROFILE");
        }
        catch (FormatException e)
        {
            throw new SettingException("CMUX_PROFILE", e.Message["CMUX_PROFILE ".Length..].TrimEnd('.'));
        }
    }

    private static string? Optional(string name) => SuiteSettings.Get(name);

    private static string Required(string name) => Optional(name) ?? throw new SettingException(name, "is required in real mode");

    private static bool Flag(string name) => Optional(name) switch
    {
        null or "0" or "false" => false,
        "1" or "true" => true,
        var other => throw new SettingException(name, $"must be 1 or 0, not '{other}'"),
    };

    private static int Integer(string name, int fallback, int minimum) => Optional(name) is not { } text
        ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw new SettingException(name, $"must be a whole number of at least {minimum}, not '{text}'");

    private static TimeSpan Seconds(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new SettingException(name, $"must be a number of seconds, not '{text}'");

    private static Uri Url(string text, string name) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new SettingException(name, $"must be an http(s) URL, not '{text}'");

    private static DnsEndPoint Endpoint(string text, string name)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? new DnsEndPoint(text[..colon].Trim('[', ']'), port)
            : throw new SettingException(name, $"must be host:port, not '{text}'");
    }

    private static TrustedRoots Roots(string file, string name)
    {
        try
        {
            return TrustedRoots.FromPemFile(file);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Security.Cryptography.CryptographicException)
        {
            throw new SettingException(name, e.Message);
        }
    }
}

/// <summary>A setting is missing or malformed; the message names the variable.</summary>
public sealed class SettingException(string variable, string problem) : Exception($"{variable} {problem}.")
{
    public string Variable { get; } = variable;
}

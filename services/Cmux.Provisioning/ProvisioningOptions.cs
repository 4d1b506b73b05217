using Cmux.Cloudflare;

namespace Cmux.Provisioning;

/// <summary>What to provision (section <c>Provisioning</c>; the seed script's <c>CF_*</c> variables also work).</summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";

    public Uri ApiBaseUrl { get; set; } = new("https://api.cloudflare.com/client/v4");
    public string ApiToken { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string ZoneId { get; set; } = "";
    public string Domain { get; set; } = "";
    public string TunnelName { get; set; } = TunnelNames.Default;
    /// <summary>Where <c>*.{domain}</c> goes: the host-header router (the seed's Caddy on :8080).</summary>
    public Uri RouterOrigin { get; set; } = new("http://localhost:8080");
    /// <summary>Where <c>pve.{domain}</c> goes: the PVE API (self-signed, so <c>noTLSVerify</c>).</summary>
    public Uri PveOrigin { get; set; } = new("https://localhost:8006");
    /// <summary>Also put <c>*.{domain}</c> behind Access with a service-token (Service Auth) policy.</summary>
    public bool Access { get; set; }
    public string ServiceTokenName { get; set; } = "cmux-conformance";
    /// <summary>Print the plan and change nothing.</summary>
    public bool DryRun { get; set; }
    /// <summary>If set, the tunnel id, its token and a new service token's credentials are written here as JSON.</summary>
    public string? OutputFile { get; set; }

    /// <summary>Null when every required setting is there; else one line naming each missing one as a user would set it.</summary>
    public string? MissingSettings() =>
        Missing().ToList() is { Count: > 0 } missing ? $"missing settings: {string.Join(", ", missing)}" : null;

    private IEnumerable<string> Missing()
    {
        if (string.IsNullOrWhiteSpace(ApiToken))
        {
            yield return "Provisioning:ApiToken (or CF_API_TOKEN)";
        }
        if (string.IsNullOrWhiteSpace(AccountId))
        {
            yield return "Provisioning:AccountId (or CF_ACCOUNT_ID)";
        }
        if (string.IsNullOrWhiteSpace(ZoneId))
        {
            yield return "Provisioning:ZoneId (or CF_ZONE_ID)";
        }
        if (string.IsNullOrWhiteSpace(Domain))
        {
            yield return "Provisioning:Domain (or CF_DOMAIN)";
        }
    }
}

namespace Cmux.Fakes.Cloudflare;

/// <summary>The one account and zone the fake serves, and the API tokens it accepts (section <c>Cloudflare</c>).</summary>
public sealed class CloudflareOptions
{
    public const string Section = "Cloudflare";
    public const string DefaultToken = "cmux-fake-cloudflare-token";
    public const string DefaultAccountId = "0123456789abcdef0123456789abcdef";
    public const string DefaultZoneId = "fedcba9876543210fedcba9876543210";
    public const string DefaultZoneName = "example.test";

    /// <summary>Bearer tokens the API accepts; any other is refused (code 10000).</summary>
    public string[] Tokens { get; set; } = [DefaultToken];
    public string AccountId { get; set; } = DefaultAccountId;
    public string ZoneId { get; set; } = DefaultZoneId;
    /// <summary>The zone's domain: record names are stored fully qualified under it.</summary>
    public string ZoneName { get; set; } = DefaultZoneName;
}

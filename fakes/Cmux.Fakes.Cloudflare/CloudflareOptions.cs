namespace Cmux.Fakes.Cloudflare;

/// <summary>The one account and zone the fake serves, and the API tokens it accepts (section <c>Cloudflare</c>).</summary>
public sealed class CloudflareOptions
{
    public const string Section = "Cloudflare";

    /// <summary>Bearer tokens the API accepts; any other is refused (code 10000).</summary>
    public string[] Tokens { get; set; } = [FakeAccount.Token];
    public string AccountId { get; set; } = FakeAccount.AccountId;
    public string ZoneId { get; set; } = FakeAccount.ZoneId;
    /// <summary>The zone's domain: record names are stored fully qualified under it.</summary>
    public string ZoneName { get; set; } = FakeAccount.Domain;
}

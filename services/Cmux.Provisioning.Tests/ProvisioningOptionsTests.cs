
namespace Cmux.Provisioning.Tests;

/// <summary>The tool knows no account of its own: without one it names every setting it lacks, and runs nothing.</summary>
public sealed class ProvisioningOptionsTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public void Without_an_account_every_missing_setting_is_named()
    {
        new ProvisioningOptions().MissingSettings().ShouldBe("missing settings: Provisioning:ApiToken (or CF_API_TOKEN), "
            + "Provisioning:AccountId (or CF_ACCOUNT_ID), Provisioning:ZoneId (or CF_ZONE_ID), Provisioning:Domain (or CF_DOMAIN)");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public void With_an_account_nothing_is_missing_and_the_api_is_cloudflares()
    {
        var options = new ProvisioningOptions { ApiToken = "t", AccountId = "a", ZoneId = "z", Domain = "example.com" };

        options.MissingSettings().ShouldBeNull();
        options.ApiBaseUrl.ShouldBe(new Uri("https://api.cloudflare.com/client/v4"));
    }
}

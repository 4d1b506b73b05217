using Cmux.Execd;
using Microsoft.Extensions.Configuration;

namespace Cmux.Execd.Tests;

public sealed class ExecdOptionsTests
{
    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Exec)]
    [InlineData(Contract.Profiles.Seed, ExecdProfile.Seed)]
    [InlineData(Contract.Profiles.Cmux, ExecdProfile.Cmux)]
    public void Execd_Profile_takes_the_contracts_profile_names(string name, ExecdProfile profile) =>
        new ConfigurationBuilder().AddInMemoryCollection([new("Profile", name)]).Build().Get<ExecdOptions>()!.Profile.ShouldBe(profile);
}

using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Execd;
using Microsoft.Extensions.Configuration;

namespace Cmux.Conformance.Tests.Execd;

public sealed class ExecdOptionsTests
{
    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Exec)]
    [InlineData(Profiles.Seed, ExecdProfile.Seed)]
    [InlineData(Profiles.Cmux, ExecdProfile.Cmux)]
    public void Execd_Profile_takes_the_contracts_profile_names(string name, ExecdProfile profile) =>
        new ConfigurationBuilder().AddInMemoryCollection([new("Profile", name)]).Build().Get<ExecdOptions>()!.Profile.ShouldBe(profile);
}

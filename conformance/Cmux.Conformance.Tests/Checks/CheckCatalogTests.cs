using Cmux.Conformance.Checks;

namespace Cmux.Conformance.Tests.Checks;

public sealed class CheckCatalogTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void Every_check_has_a_body_a_unique_short_name_a_known_feature_and_a_description()
    {
        CheckCatalog.All.ShouldNotBeEmpty();
        foreach (var check in CheckCatalog.All)
        {
            check.Test.ShouldNotBeNull($"{check.ShortName} has no body");
            check.ShortName.ShouldMatch("^[a-z0-9]+(-[a-z0-9]+)*$");
            Features.All.ShouldContain(check.Feature, check.ShortName);
            check.Description.ShouldNotBeNullOrWhiteSpace(check.ShortName);
        }
        CheckCatalog.All.Select(c => c.ShortName).ShouldBeUnique();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void The_catalog_lists_features_in_order_and_finds_checks_by_name()
    {
        var order = CheckCatalog.All.Select(c => Features.All.ToList().IndexOf(c.Feature)).ToList();
        order.ShouldBe(order.Order().ToList());
        CheckCatalog.Find("exec-stdout").Feature.ShouldBe(Features.Exec);
        Should.Throw<ArgumentException>(() => CheckCatalog.Find("no-such-check")).Message.ShouldContain("exec-stdout");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void Every_feature_has_checks_and_every_trait_feature_of_a_check_is_a_known_test_feature()
    {
        foreach (var feature in Features.All)
        {
            CheckCatalog.All.ShouldContain(c => c.Feature == feature, feature);
            Feature.All.ShouldContain(feature);
        }
    }
}

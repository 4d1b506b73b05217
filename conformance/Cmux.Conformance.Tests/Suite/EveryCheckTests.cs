using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>The xunit driver makes one test per check × provider, named and traited so filters select them.</summary>
public sealed class EveryCheckTests
{
    private static List<CheckTestCase> Discovered()
    {
        var assembly = new ReflectionAssemblyInfo(typeof(ConformanceSuite).Assembly);
        var collection = new TestCollection(new TestAssembly(assembly), null, "suite");
        var type = new TestClass(collection, new ReflectionTypeInfo(typeof(ConformanceSuite)));
        var method = new TestMethod(type, new ReflectionMethodInfo(typeof(ConformanceSuite).GetMethod(nameof(ConformanceSuite.Check))!));
        var discoverer = new EveryCheckDiscoverer(new NullMessageSink());
        return discoverer.Discover(new NoOptions(), method, null!).Cast<CheckTestCase>().ToList();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void Every_check_on_every_provider_is_one_test_with_known_traits_and_a_readable_name()
    {
        var cases = Discovered();
        cases.Count.ShouldBe(CheckCatalog.All.Count * ProviderNames.All.Count);
        cases.Select(c => c.DisplayName).ShouldBeUnique();
        foreach (var test in cases)
        {
            test.Traits[Category.Name].ShouldHaveSingleItem().ShouldBeOneOf(Category.Stack, Category.Browser);
            Feature.All.ShouldContain(test.Traits[Feature.Name].ShouldHaveSingleItem());
            test.Traits[CheckTestCase.ProviderTrait].ShouldBe([test.Provider]);
            test.Traits[CheckTestCase.CheckTrait].ShouldBe([test.Check.ShortName]);
            test.DisplayName.ShouldBe($"conformance {test.Provider} {test.Check.Feature} {test.Check.ShortName}");
        }
        cases.Single(c => c.Provider == ProviderNames.Pve && c.Check.ShortName == "ws-browser").Traits[Category.Name].ShouldBe([Category.Browser]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public void A_test_case_survives_serialization_with_its_check_and_traits()
    {
        var original = Discovered().First(c => c.Check.ShortName == "exec-timeout" && c.Provider == ProviderNames.Morph);
        var copy = SerializationHelper.Deserialize<CheckTestCase>(SerializationHelper.Serialize(original))!;
        copy.DisplayName.ShouldBe(original.DisplayName);
        copy.Traits[Feature.Name].ShouldBe([Features.Exec]);
        copy.Provider.ShouldBe(ProviderNames.Morph);
    }

    /// <summary>Discovery options with every value at its default.</summary>
    private sealed class NoOptions : ITestFrameworkDiscoveryOptions
    {
        public TValue GetValue<TValue>(string name) => default!;

        public void SetValue<TValue>(string name, TValue value)
        {
        }
    }
}

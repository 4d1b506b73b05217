using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// Makes one test of the method for every check of the catalog on every provider, each with a
/// readable name and its own traits (<c>Category</c>, <c>Feature</c>, <c>Provider</c>, <c>Check</c>),
/// so <c>dotnet test --filter Feature=exec</c> or <c>Provider=pve</c> or <c>Check=exec-stdout</c> selects checks.
/// </summary>
[XunitTestCaseDiscoverer("Cmux.Conformance.Tests.Suite.EveryCheckDiscoverer", "Cmux.Conformance.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class EveryCheckAttribute : FactAttribute, ITraitsPerTestCase;

public sealed class EveryCheckDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        from provider in ProviderNames.All
        from check in CheckCatalog.All
        select new CheckTestCase(diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(),
            testMethod, provider, check.ShortName);
}

/// <summary>One check on one provider. A <see cref="SkipException"/> from the body reports the test skipped, not failed.</summary>
public sealed class CheckTestCase : SkippableFactTestCase
{
    public const string ProviderTrait = "Provider";
    public const string CheckTrait = "Check";

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public CheckTestCase()
    {
    }

    public CheckTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method, string provider, string check)
        : base([typeof(Xunit.SkipException).FullName!], diagnostics, display, options, method, [provider, check])
    {
    }

    public string Provider => (string)TestMethodArguments[0];

    public ConformanceCheck Check => CheckCatalog.Find((string)TestMethodArguments[1]);

    /// <summary>The traits of a check on a provider: what the test filters and the convention test read.</summary>
    public static IReadOnlyDictionary<string, string> TraitsOf(string provider, ConformanceCheck check) => new Dictionary<string, string>
    {
        [Category.Name] = check.Tools.Contains(Tool.Chromium) ? Category.Browser : Category.Stack,
        [Feature.Name] = check.Feature,
        [ProviderTrait] = provider,
        [CheckTrait] = check.ShortName,
    };

    protected override void Initialize()
    {
        base.Initialize();
        foreach (var (name, value) in TraitsOf(Provider, Check))
        {
            Traits[name] = [value];
        }
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) =>
        $"conformance {Provider} {Check.Feature} {Check.ShortName}";
}

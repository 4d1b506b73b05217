using System.Reflection;
using Cmux.Conformance.Suite;

namespace Cmux.Conformance.Checks;

/// <summary>
/// Every check of the suite: the public static <see cref="ConformanceCheck"/> fields of the
/// feature classes, in feature order and, within a feature, in the order they are written.
/// The test driver, the runner and the report all read this one list.
/// </summary>
public static class CheckCatalog
{
    private static readonly Type[] FeatureClasses =
    [
        typeof(UrlPatternChecks), typeof(ExecChecks), typeof(WebSocketChecks), typeof(BrowserChecks), typeof(StreamingChecks), typeof(ServiceChecks),
        typeof(TlsChecks), typeof(AccessChecks), typeof(LifecycleChecks), typeof(ProvisioningChecks),
    ];

    public static IReadOnlyList<ConformanceCheck> All { get; } = FeatureClasses
        .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ConformanceCheck))
            .OrderBy(f => f.MetadataToken)
            .Select(f => (ConformanceCheck)f.GetValue(null)!))
        .OrderBy(c => IndexOf(c.Feature))
        .ToList();

    public static ConformanceCheck Find(string shortName) =>
        All.FirstOrDefault(c => c.ShortName == shortName)
        ?? throw new ArgumentException($"No check '{shortName}'; known: {string.Join(", ", All.Select(c => c.ShortName))}.", nameof(shortName));

    private static int IndexOf(string feature)
    {
        var index = Features.All.ToList().IndexOf(feature);
        return index >= 0 ? index : int.MaxValue;
    }
}

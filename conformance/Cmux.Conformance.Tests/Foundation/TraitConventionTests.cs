using System.Reflection;
using Cmux.Conformance.Tests.Infrastructure;

namespace Cmux.Conformance.Tests.Foundation;

/// <summary>Every test carries a known <c>Category</c> and <c>Feature</c>, so CI and the report can filter on them.</summary>
public sealed class TraitConventionTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Every_test_has_a_known_category_and_feature()
    {
        var offenders = new List<string>();
        foreach (var method in TestMethods())
        {
            var pairs = CustomTraits(method);
            var category = pairs.Where(p => p.Key == Category.Name).Select(p => p.Value).ToList();
            var feature = pairs.Where(p => p.Key == Feature.Name).Select(p => p.Value).ToList();
            if (category.Count != 1 || !Category.All.Contains(category[0]))
            {
                offenders.Add($"{method.ReflectedType!.Name}.{method.Name}: Category [{string.Join(",", category)}]");
            }
            if (feature.Count != 1 || !Feature.All.Contains(feature[0]))
            {
                offenders.Add($"{method.ReflectedType!.Name}.{method.Name}: Feature [{string.Join(",", feature)}]");
            }
        }
        offenders.ShouldBeEmpty();
    }

    private static IEnumerable<MethodInfo> TestMethods() =>
        typeof(TraitConventionTests).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
            // The suite's tests get their traits per check from the catalog (EveryCheckTests checks those).
            .Where(m => !m.GetCustomAttributes<Suite.EveryCheckAttribute>().Any());

    // Traits may sit on the method, its class, or a base class (one abstract class per contract).
    private static List<KeyValuePair<string, string>> CustomTraits(MethodInfo method) =>
        method.GetCustomAttributesData()
            .Concat(method.ReflectedType!.GetCustomAttributesData())
            .Concat(BaseTypes(method.ReflectedType!).SelectMany(t => t.GetCustomAttributesData()))
            .Concat(method.GetBaseDefinition().GetCustomAttributesData())
            .Where(a => a.AttributeType == typeof(TraitAttribute))
            .Select(a => new KeyValuePair<string, string>((string)a.ConstructorArguments[0].Value!, (string)a.ConstructorArguments[1].Value!))
            .Distinct()
            .ToList();

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null && t != typeof(object); t = t.BaseType)
        {
            yield return t;
        }
    }
}

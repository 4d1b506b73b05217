using System.Reflection;

namespace Cmux.Testing;

/// <summary>
/// Every test carries a known <c>Category</c> and <c>Feature</c>, so CI and the report can filter on
/// them. Each test project subclasses this in one line, so the convention holds in every assembly:
/// <c>public sealed class TraitConventionTests : TraitConvention;</c>
/// </summary>
public abstract class TraitConvention
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Every_test_has_a_known_category_and_feature()
    {
        var offenders = new List<string>();
        foreach (var method in TestMethods(GetType().Assembly))
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

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Tests_that_need_the_stack_are_in_a_project_that_starts_it()
    {
        // eng/test.sh runs those categories only in the projects that set StartsStack: anywhere else they would never run.
        var assembly = GetType().Assembly;
        var startsStack = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Any(a => a is { Key: "StartsStack", Value: "true" });
        if (startsStack)
        {
            return;
        }
        var misplaced = TestMethods(assembly)
            .Where(m => CustomTraits(m).Any(t => t.Key == Category.Name && Category.NeedStack.Contains(t.Value)))
            .Select(m => $"{m.ReflectedType!.Name}.{m.Name}")
            .ToList();
        misplaced.ShouldBeEmpty($"set <StartsStack>true</StartsStack> in {assembly.GetName().Name}'s project, or move these tests");
    }

    private static IEnumerable<MethodInfo> TestMethods(Assembly tests) =>
        tests.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
            // A test that makes many cases gives each its own traits, and its project tests those.
            .Where(m => !m.GetCustomAttributes().OfType<ITraitsPerTestCase>().Any());

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

/// <summary>On a fact attribute whose discoverer makes many test cases, each with its own Category and Feature traits.</summary>
public interface ITraitsPerTestCase;

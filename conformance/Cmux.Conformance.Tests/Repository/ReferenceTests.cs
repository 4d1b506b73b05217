using System.Xml.Linq;

namespace Cmux.Conformance.Tests.Repository;

/// <summary>What runs against production references no fake: the services, the load engine and the suite's library.</summary>
public sealed class ReferenceTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void No_product_project_references_a_fake()
    {
        var products = RepositoryFiles.All
            .Where(f => f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => f.StartsWith("services/", StringComparison.Ordinal) || f.StartsWith("load/", StringComparison.Ordinal)
                || f.StartsWith("conformance/Cmux.Conformance/", StringComparison.Ordinal) || f.StartsWith("conformance/Cmux.Conformance.Probe/", StringComparison.Ordinal))
            .Where(f => !Path.GetFileNameWithoutExtension(f).EndsWith(".Tests", StringComparison.Ordinal))
            .ToList();
        products.ShouldNotBeEmpty();
        var offenders = from project in products
                        from reference in XDocument.Load(Path.Combine(RepositoryFiles.Root, project)).Descendants("ProjectReference")
                        let target = reference.Attribute("Include")!.Value.Replace('\\', '/')
                        where target.Contains("/fakes/", StringComparison.Ordinal) || target.StartsWith("fakes/", StringComparison.Ordinal)
                        select $"{project} -> {target}";
        offenders.ShouldBeEmpty();
    }
}

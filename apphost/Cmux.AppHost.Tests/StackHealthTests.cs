
namespace Cmux.AppHost.Tests;

[Collection(StackCollection.Name)]
public sealed class StackHealthTests(AppHostStack stack)
{
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Every_resource_becomes_healthy()
    {
        stack.ResourceNames.ShouldNotBeEmpty();
        stack.TimeToHealthy.Keys.ShouldBe(stack.ResourceNames, ignoreOrder: true);
    }

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Foundation)]
    public async Task Every_resource_answers_health_and_alive()
    {
        foreach (var name in stack.ResourceNames)
        {
            using var client = stack.CreateHttpClient(name, "http");
            (await client.GetAsync("/health")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, $"{name} /health");
            (await client.GetAsync("/alive")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, $"{name} /alive");
        }
    }
}

using System.Net;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cmux.AppHost.Tests;

[Collection(StackCollection.Name)]
public sealed class StackHealthTests(AppHostStack stack, ITestOutputHelper output)
{
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Every_resource_becomes_healthy()
    {
        stack.ResourceNames.ShouldNotBeEmpty();
        stack.TimeToHealthy.Keys.ShouldBe(stack.ResourceNames, ignoreOrder: true);
        // Where the stack's start-up goes (CI's budget pays it once per stack).
        output.WriteLine("time to healthy: " + string.Join(", ", stack.TimeToHealthy.OrderBy(t => t.Value)
            .Select(t => $"{t.Key} {t.Value.TotalSeconds:0.0} s")));
    }

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void The_run_folder_names_every_endpoint_as_aspire_allocated_it()
    {
        // What the benchmarks (eng/lib/stack.sh) read to reach the composed stack.
        using var file = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(stack.RunDirectory, "endpoints.json")));
        foreach (var (resource, endpoint) in new[] { ("edge", "https"), ("pve", "http"), ("sandboxes", "http"), ("router", "http") })
        {
            var written = new Uri(file.RootElement.GetProperty(resource).GetProperty(endpoint).GetString()!);
            var allocated = stack.Endpoint(resource, endpoint);
            (written.Port, written.Host).ShouldBe((allocated.Port, allocated.Host), $"{resource} {endpoint}");
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Foundation)]
    public async Task Every_resource_answers_health_and_alive_on_its_management_endpoint_only()
    {
        var managed = ManagedResources();
        // Every project of ours has one; Caddy, run as cmux runs it, has none.
        managed.ShouldContain("sandboxes");
        managed.Contains("router").ShouldBe(!stack.RouterIsCaddy);
        foreach (var name in managed)
        {
            using var management = stack.CreateHttpClient(name, "management");
            (await management.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK, $"{name} /health");
            (await management.GetAsync("/alive")).StatusCode.ShouldBe(HttpStatusCode.OK, $"{name} /alive");

            // Not following redirects: the edge sends plain HTTP to HTTPS, as Cloudflare does.
            using var traffic = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.Endpoint(name, "http") };
            using var health = await traffic.GetAsync("/health");
            health.StatusCode.ShouldNotBe(HttpStatusCode.OK, $"{name} answers /health on the port that serves its traffic");
        }
    }

    [Theory]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/")]
    public async Task Any_host_no_route_claims_gets_the_routers_404_on_its_public_port_whatever_the_path(string path)
    {
        using var router = stack.CreateHttpClient("router", "http");
        foreach (var host in new[] { "localhost", "router.example.test", "example.com" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = host;
            using var response = await router.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"Host {host}, {path}");
            body.ShouldStartWith(stack.Profile == "cmux" ? "cmux sandbox not found. Use format: port-" : "Use format: port-", Case.Sensitive, $"Host {host}, {path}");
        }
    }

    private List<string> ManagedResources()
    {
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();
        return [.. model.Resources
            .Where(r => r.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "management"))
            .Select(r => r.Name)];
    }
}

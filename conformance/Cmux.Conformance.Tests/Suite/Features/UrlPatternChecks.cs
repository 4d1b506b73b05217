using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class UrlPatternChecks(StackFixture stack) : ConformanceTests(stack)
{
    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.UrlPattern)]
    public Task Every_port_url_follows_the_pattern_in_one_label() => CheckAsync(CheckCatalog.UrlPattern.Pattern, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        foreach (var port in SandboxPorts.All)
        {
            var url = s.Provider.UrlFor(sandbox, port);
            url.Scheme.ShouldBe("https");
            s.Expectations.UrlPattern.IsMatch(url.Host).ShouldBeTrue($"{url.Host} does not follow {s.Expectations.UrlPattern}");
            url.Host.ShouldEndWith("." + s.Expectations.Domain);
            var label = url.Host[..^(s.Expectations.Domain.Length + 1)];
            label.Length.ShouldBeLessThanOrEqualTo(63, url.Host);
            label.ShouldMatch("^[a-z0-9-]+$", url.Host);
            url.Host.ShouldContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.UrlPattern)]
    public Task Every_port_url_reaches_that_sandbox_and_port() => CheckAsync(CheckCatalog.UrlPattern.Reaches, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var hostname = (await s.Provider.ExecAsync(sandbox, new("hostname"), Timeout())).Stdout.Trim();
        using var client = s.CreateClient();
        foreach (var port in SandboxPorts.All.Where(p => p != SandboxPorts.Execd))
        {
            var info = await client.GetFromJsonAsync<JsonElement>(new Uri(s.Provider.UrlFor(sandbox, port), "/_cmux/info"), Timeout());
            info.GetProperty("port").GetInt32().ShouldBe(port);
            info.GetProperty("hostname").GetString().ShouldBe(hostname, $"port {port} reached another machine than exec did");
        }
        if (!s.Capabilities.Contains(Capability.CloudflareAccess))
        {
            Recorder.Observe("url-auth", s.Name, s.Provider.AuthHeaders.Count == 0
                ? "none: the URLs answered without credentials"
                : $"{string.Join(", ", s.Provider.AuthHeaders.Keys)} on every request");
        }
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.UrlPattern)]
    public Task Unknown_sandbox_gets_the_documented_answer() => CheckAsync(CheckCatalog.UrlPattern.WrongSandbox, async s =>
    {
        using var client = s.CreateClient();
        using var response = await client.GetAsync(s.Provider.UrlFor(s.Expectations.Nonexistent, SandboxPorts.VsCode), Timeout());
        Recorder.Observe("unknown-sandbox-answer", s.Name, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.StatusCode.ShouldBe(s.Expectations.UnknownSandboxStatus);
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.UrlPattern)]
    public Task Closed_port_gets_the_documented_answer() => CheckAsync(CheckCatalog.UrlPattern.WrongPort, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        using var client = s.CreateClient();
        using var response = await client.GetAsync(s.Provider.UrlFor(sandbox, 1), Timeout());
        Recorder.Observe("closed-port-answer", s.Name, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.StatusCode.ShouldBe(s.Expectations.ClosedPortStatus);
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.UrlPattern)]
    public Task Malformed_hosts_reach_no_sandbox() => CheckAsync(CheckCatalog.UrlPattern.MalformedHost, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var good = s.Provider.UrlFor(sandbox, SandboxPorts.VsCode);
        var label = good.Host[..^(s.Expectations.Domain.Length + 1)];
        using var client = s.CreateClient();
        foreach (var bad in new[] { "x" + label, label.Replace("port-", "port--", StringComparison.Ordinal), "port-abc-" + label[(label.IndexOf('-', 5) + 1)..] })
        {
            var url = new UriBuilder(good) { Host = $"{bad}.{s.Expectations.Domain}", Path = "/_cmux/info" }.Uri;
            using var response = await client.GetAsync(url, Timeout());
            response.StatusCode.ShouldNotBe(HttpStatusCode.OK, $"{url.Host} reached a sandbox");
            ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(400, url.Host);
        }
    });
}

public sealed class PveUrlPatternChecks(StackFixture stack) : UrlPatternChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphUrlPatternChecks(StackFixture stack) : UrlPatternChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}

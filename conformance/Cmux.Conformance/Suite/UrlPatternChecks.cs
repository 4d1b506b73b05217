using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Probes;
using Cmux.Conformance.Report;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>The URL pattern (docs/contracts.md §2): every port has a URL, one label deep, that reaches that port of that sandbox.</summary>
public static class UrlPatternChecks
{
    public static readonly ConformanceCheck Pattern = new()
    {
        ShortName = "url-pattern-per-port",
        Feature = Features.UrlPattern,
        Description = "Every sandbox port's URL follows the provider's pattern and is one DNS label (<= 63 chars, [a-z0-9-]) under the domain.",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            foreach (var port in SandboxPorts.All)
            {
                var url = c.Provider.UrlFor(sandbox, port);
                c.Documented.UrlPattern.IsMatch(url.Host).ShouldBeTrue($"{url.Host} does not follow {c.Documented.UrlPattern}");
                url.Host.ShouldEndWith("." + c.Documented.Domain);
                var label = url.Host[..^(c.Documented.Domain.Length + 1)];
                label.Length.ShouldBeLessThanOrEqualTo(63, url.Host);
                label.ShouldMatch("^[a-z0-9-]+$", url.Host);
                url.Host.ShouldContain(port.ToString(CultureInfo.InvariantCulture));
            }
        },
    };

    public static readonly ConformanceCheck Reaches = new()
    {
        ShortName = "url-reaches-sandbox-port",
        Feature = Features.UrlPattern,
        Description = "A port's URL reaches that port of that sandbox: the probe on two ports answers with the port it served and the host name exec sees.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var sandbox = await c.ProbedSandboxAsync();
            var hostname = (await c.Provider.ExecAsync(sandbox, new("hostname"), c.Timeout())).Stdout.Trim();
            using var client = c.CreateClient();
            foreach (var port in ProbeDeployer.Ports)
            {
                var info = await client.GetFromJsonAsync<JsonElement>(c.ProbeUrl(sandbox, "/_cmux/info", port), c.Timeout());
                info.GetProperty("port").GetInt32().ShouldBe(port, $"the URL for port {port} reached port {info.GetProperty("port")}");
                info.GetProperty("hostname").GetString().ShouldBe(hostname, $"port {port} reached another machine than exec did");
            }
            using var anonymous = c.CreateClient(authenticated: false);
            using var bare = await anonymous.GetAsync(c.ProbeUrl(sandbox, "/_cmux/info"), c.Timeout());
            c.Observe(KnownDifferences.UrlAuth, bare.IsSuccessStatusCode
                ? $"public: {(int)bare.StatusCode} without credentials"
                : $"refused: {(int)bare.StatusCode} without credentials");
        },
    };

    public static readonly ConformanceCheck WrongSandbox = new()
    {
        ShortName = "url-unknown-sandbox",
        Feature = Features.UrlPattern,
        Description = "A URL for a sandbox that does not exist gets the provider's documented answer (PVE 502, Morph 404).",
        Test = async c =>
        {
            using var client = c.CreateClient();
            using var response = await client.GetAsync(c.Provider.UrlFor(c.Documented.Nonexistent, SandboxPorts.VsCode), c.Timeout());
            c.Observe(KnownDifferences.UnknownSandboxAnswer, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            response.StatusCode.ShouldBe(c.Documented.UnknownSandboxStatus);
        },
    };

    public static readonly ConformanceCheck WrongPort = new()
    {
        ShortName = "url-closed-port",
        Feature = Features.UrlPattern,
        Description = "A URL for a port nothing listens on gets the provider's documented answer (PVE 502, Morph 404).",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            using var client = c.CreateClient();
            using var response = await client.GetAsync(c.Provider.UrlFor(sandbox, 1), c.Timeout());
            c.Observe(KnownDifferences.ClosedPortAnswer, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            response.StatusCode.ShouldBe(c.Documented.ClosedPortStatus);
        },
    };

    public static readonly ConformanceCheck MalformedHost = new()
    {
        ShortName = "url-malformed-host",
        Feature = Features.UrlPattern,
        Description = "A host that does not follow the pattern is not routed to any sandbox.",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            var good = c.Provider.UrlFor(sandbox, SandboxPorts.VsCode);
            var label = good.Host[..^(c.Documented.Domain.Length + 1)];
            using var client = c.CreateClient();
            foreach (var bad in new[] { "x" + label, label.Replace("port-", "port--", StringComparison.Ordinal), "port-abc-" + label[(label.IndexOf('-', 5) + 1)..] })
            {
                var url = new UriBuilder(good) { Host = $"{bad}.{c.Documented.Domain}" }.Uri;
                using var response = await client.GetAsync(url, c.Timeout());
                response.StatusCode.ShouldNotBe(HttpStatusCode.OK, $"{url.Host} reached a sandbox");
                ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(400, url.Host);
            }
        },
    };
}

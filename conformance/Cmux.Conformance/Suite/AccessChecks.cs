using System.Net;
using System.Text;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Report;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>Cloudflare Access in front of every sandbox URL (docs/contracts.md §7).</summary>
public static class AccessChecks
{
    private static readonly HttpStatusCode[] Refusals = [HttpStatusCode.Found, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden];

    public static readonly ConformanceCheck Refused = new()
    {
        ShortName = "access-refused-without-credentials",
        Feature = Features.Access,
        Description = "Every sandbox URL, execd's included, refuses requests without Access credentials.",
        Needs = [Capability.CloudflareAccess],
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            using var anonymous = c.CreateClient(authenticated: false);
            foreach (var port in SandboxPorts.All)
            {
                using var response = await anonymous.GetAsync(c.Provider.UrlFor(sandbox, port), c.Timeout());
                response.StatusCode.ShouldBeOneOf(Refusals, $"port {port} answered {(int)response.StatusCode} without Access credentials");
            }
            // execd matters most: reachable without Access is a failure, whatever execd's own auth.
            using var exec = new StringContent("{\"command\":\"id\"}", Encoding.UTF8, "application/json");
            using var execResponse = await anonymous.PostAsync(new Uri(c.Provider.UrlFor(sandbox, SandboxPorts.Execd), "/exec"), exec, c.Timeout());
            execResponse.StatusCode.ShouldBeOneOf(Refusals);
        },
    };

    public static readonly ConformanceCheck ServiceToken = new()
    {
        ShortName = "access-service-token",
        Feature = Features.Access,
        Description = "A service token passes and the origin receives Cf-Access-Jwt-Assertion.",
        Needs = [Capability.CloudflareAccess],
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var sandbox = await c.ProbedSandboxAsync();
            using var client = c.CreateClient();
            using var response = await client.GetAsync(c.ProbeUrl(sandbox, "/_cmux/echo"), c.Timeout());
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(c.Timeout())).RootElement;
            echo.GetProperty("headers").EnumerateArray()
                .Any(h => h[0].GetString()!.Equals("Cf-Access-Jwt-Assertion", StringComparison.OrdinalIgnoreCase))
                .ShouldBeTrue("the origin did not receive Cf-Access-Jwt-Assertion");
        },
    };
}

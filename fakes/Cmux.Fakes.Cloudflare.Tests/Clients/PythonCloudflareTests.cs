using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cmux.Fakes.Cloudflare.Tests.Clients;

/// <summary>
/// A client nobody on the project wrote: Debian's python3-cloudflare (Cloudflare's Python library
/// 2.x) runs our tunnel, DNS and Access flow (<c>cloudflare_flow.py</c>) against the fake, and
/// the fake's state afterwards is what the flow asked for.
/// </summary>
public sealed class PythonCloudflareTests : CloudflareApiTests
{
    [PythonCloudflareFact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Debians_python_cloudflare_runs_the_tunnel_dns_and_access_flow()
    {
        var start = new ProcessStartInfo(PythonCloudflareFactAttribute.Interpreter!, [Path.Combine(AppContext.BaseDirectory, "Clients", "cloudflare_flow.py")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CF_API_URL"] = CloudflareFakeApp.ApiUrl(Fake.Url).ToString().TrimEnd('/'),
                ["CF_API_TOKEN"] = FakeAccount.Token,
                ["CF_ACCOUNT_ID"] = FakeAccount.AccountId,
                ["CF_ZONE_ID"] = FakeAccount.ZoneId,
                ["CF_DOMAIN"] = FakeAccount.Domain,
                // The library reads ~/.cloudflare.cfg too; point it at nothing.
                ["HOME"] = AppContext.BaseDirectory,
            },
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await python.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!python.HasExited)
            {
                python.Kill(entireProcessTree: true);
            }
        }

        python.ExitCode.ShouldBe(0, await error);
        var flow = JsonNode.Parse(await output)!.AsObject();
        var tunnel = (await Api.ListTunnelsAsync()).ShouldHaveSingleItem();
        flow["tunnel_id"]!.GetValue<string>().ShouldBe(tunnel.Id);
        flow["found"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe([tunnel.Id]);
        flow["token_length"]!.GetValue<int>().ShouldBe((await Api.GetTunnelTokenAsync(tunnel.Id)).Length);
        flow["config_version"]!.GetValue<int>().ShouldBe(1);
        flow["service_token_secret"]!.GetValue<bool>().ShouldBeTrue();
        flow["policy_decision"]!.GetValue<string>().ShouldBe("non_identity");
        flow["duplicate_error"]!.GetValue<int>().ShouldBe(1013, "the library surfaces Cloudflare's error code for a duplicate tunnel");
        var records = flow["records"]!.AsArray();
        records.Select(r => r![0]!.GetValue<string>()).ShouldBe([$"*.{FakeAccount.Domain}", $"pve.{FakeAccount.Domain}"]);
        records.ShouldAllBe(r => r![2]!.GetValue<bool>());
        records.ShouldAllBe(r => r![3] is JsonObject && r[4] is JsonObject && r[5] is JsonArray);
        flow["listed"]!.AsArray().Count.ShouldBe(1);
        var app = (await Api.ListAccessApplicationsAsync()).ShouldHaveSingleItem();
        app.Aud.ShouldBe(flow["app_aud"]!.GetValue<string>());
        app.Policies!.ShouldHaveSingleItem().Include.Single()!["service_token"]!["token_id"]!.GetValue<string>()
            .ShouldBe((await Api.ListServiceTokensAsync()).Single().Id);
    }
}

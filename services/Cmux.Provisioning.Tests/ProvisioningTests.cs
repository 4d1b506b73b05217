using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare;

namespace Cmux.Provisioning.Tests;

/// <summary>The C# pve-tunnel-setup.sh (cloud part): idempotent, with a dry run that writes nothing.</summary>
public sealed class ProvisioningTests : IAsyncLifetime
{
    private const string Domain = FakeAccount.Domain;

    private readonly RecordingHandler _recorder = new();
    private InProcessApp _fake = null!;
    private HttpClient _http = null!;

    private CloudflareApiClient Api { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _fake = await InProcessApp.StartAsync(CloudflareFakeApp.Build);
        _http = FakeAccount.CreateHttpClient(_fake.Url, _recorder);
        Api = FakeAccount.CreateClient(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task The_first_run_sets_up_the_tunnel_ingress_and_proxied_cnames()
    {
        var result = await RunAsync();

        result.Changes.Count.ShouldBe(7);
        var tunnel = (await Api.ListTunnelsAsync(TunnelNames.Default)).Single();
        result.TunnelId.ShouldBe(tunnel.Id);
        result.TunnelToken.ShouldBe(await Api.GetTunnelTokenAsync(tunnel.Id));
        var ingress = (await Api.GetTunnelConfigurationAsync(tunnel.Id)).Config!["ingress"]!.AsArray();
        ingress.Select(r => r!["hostname"]?.GetValue<string>()).ShouldBe([$"pve.{Domain}", $"*.{Domain}", null]);
        ingress[0]!["originRequest"]!["noTLSVerify"]!.GetValue<bool>().ShouldBeTrue();
        ingress[2]!["service"]!.GetValue<string>().ShouldBe("http_status:404");
        var records = await Api.ListDnsRecordsAsync(type: "CNAME");
        records.Select(r => (r.Name, r.Content, r.Proxied)).ShouldBe(
            [($"*.{Domain}", $"{tunnel.Id}.cfargotunnel.com", true), ($"pve.{Domain}", $"{tunnel.Id}.cfargotunnel.com", true)], ignoreOrder: true);
        result.ServiceToken!.ClientSecret.ShouldNotBeNullOrEmpty();
        (await Api.ListAccessApplicationsAsync()).Single().Policies!.Single().Decision.ShouldBe("non_identity");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_second_run_changes_nothing_and_duplicates_nothing()
    {
        var first = await RunAsync();
        var writesBefore = Writes();

        var second = await RunAsync();

        second.Changes.ShouldBeEmpty();
        second.TunnelId.ShouldBe(first.TunnelId);
        second.ServiceToken!.ClientSecret.ShouldBeNull("without an output file the secret is shown once, when issued");
        second.ServiceToken.Id.ShouldBe(first.ServiceToken!.Id);
        Writes().ShouldBe(writesBefore, "the second run only reads");
        (await Api.ListTunnelsAsync()).Count.ShouldBe(1);
        (await Api.ListDnsRecordsAsync()).Count.ShouldBe(2);
        (await Api.GetTunnelConfigurationAsync(first.TunnelId!)).Version.ShouldBe(1);
        (await Api.ListServiceTokensAsync()).Count.ShouldBe(1);
        (await Api.ListAccessApplicationsAsync()).Single().Policies!.Count.ShouldBe(1);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_dry_run_prints_the_plan_and_writes_nothing()
    {
        using var output = new StringWriter();

        var plan = await RunAsync(dryRun: true, output);

        plan.Changes.Count.ShouldBe(7);
        output.ToString().ShouldContain($"plan: create tunnel {TunnelNames.Default}");
        output.ToString().ShouldContain($"plan: create CNAME *.{Domain} -> <new tunnel>.cfargotunnel.com (proxied)");
        Writes().ShouldBe(0);
        (await Api.ListTunnelsAsync()).ShouldBeEmpty();
        (await Api.ListDnsRecordsAsync()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task Drift_is_repaired_in_place()
    {
        var first = await RunAsync();
        var wildcard = (await Api.ListDnsRecordsAsync($"*.{Domain}")).Single();
        await Api.UpdateDnsRecordAsync(wildcard.Id, wildcard with { Content = "elsewhere.example.net", Proxied = false });

        var dry = await RunAsync(dryRun: true);
        var repair = await RunAsync();

        dry.Changes.ShouldBe(repair.Changes);
        repair.Changes.ShouldBe([$"update CNAME *.{Domain}: elsewhere.example.net (proxied False) -> {first.TunnelId}.cfargotunnel.com (proxied)"]);
        var repaired = (await Api.ListDnsRecordsAsync($"*.{Domain}")).Single();
        (repaired.Id, repaired.Content, repaired.Proxied).ShouldBe((wildcard.Id, $"{first.TunnelId}.cfargotunnel.com", true));
    }

    private Task<ProvisioningResult> RunAsync(bool dryRun = false, TextWriter? output = null) =>
        new TunnelProvisioner(Api, new ProvisioningOptions
        {
            AccountId = FakeAccount.AccountId,
            ZoneId = FakeAccount.ZoneId,
            Domain = Domain,
            RouterOrigin = new Uri("http://127.0.0.1:8080"),
            PveOrigin = new Uri("https://127.0.0.1:8006"),
            Access = true,
            DryRun = dryRun,
        }, output ?? TextWriter.Null).RunAsync();

    private int Writes() => _recorder.Exchanges.Count(e => e.Method != "GET");
}

using System.Text.Json.Nodes;
using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Cloudflare.Faults;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.Provisioning.Tests;

/// <summary>
/// The run stopped at each of its calls by the fake failing that one call (before it takes effect,
/// or after, with the answer lost): no DNS record is ever public without the Access asked for,
/// every secret issued so far is on disk (0600), the tool exits 1 saying what exists, and a rerun
/// converges to the end state of an undisturbed run.
/// </summary>
public sealed class ProvisioningFailureTests : IAsyncLifetime
{
    private const string Domain = FakeAccount.Domain;

    private readonly string _folder = Directory.CreateTempSubdirectory("cmux-provisioning-").FullName;
    private InProcessApp _fake = null!;
    private HttpClient _http = null!;

    private CloudflareApiClient Api { get; set; } = null!;
    private FaultInjector Faults => _fake.Services.GetRequiredService<FaultInjector>();
    private string OutputFile => Path.Combine(_folder, "tunnel-setup.json");

    public async Task InitializeAsync()
    {
        _fake = await InProcessApp.StartAsync(CloudflareFakeApp.Build);
        _http = FakeAccount.CreateHttpClient(_fake.Url);
        Api = FakeAccount.CreateClient(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Every call of a first run with Access, in the order it makes them: method, path, matching calls to let through, timing.</summary>
    public static TheoryData<string, string, int, FaultTiming> FailurePoints() => new()
    {
        { "GET", "accounts/*/cfd_tunnel", 0, FaultTiming.Before },
        { "POST", "accounts/*/cfd_tunnel", 0, FaultTiming.Before },
        { "POST", "accounts/*/cfd_tunnel", 0, FaultTiming.After },
        { "GET", "accounts/*/cfd_tunnel/*/token", 0, FaultTiming.Before },
        { "GET", "accounts/*/cfd_tunnel/*/configurations", 0, FaultTiming.Before },
        { "PUT", "accounts/*/cfd_tunnel/*/configurations", 0, FaultTiming.Before },
        { "PUT", "accounts/*/cfd_tunnel/*/configurations", 0, FaultTiming.After },
        { "GET", "accounts/*/access/service_tokens", 0, FaultTiming.Before },
        { "POST", "accounts/*/access/service_tokens", 0, FaultTiming.Before },
        { "POST", "accounts/*/access/service_tokens", 0, FaultTiming.After },
        { "GET", "accounts/*/access/apps", 0, FaultTiming.Before },
        { "POST", "accounts/*/access/apps", 0, FaultTiming.Before },
        { "POST", "accounts/*/access/apps", 0, FaultTiming.After },
        { "POST", "accounts/*/access/apps/*/policies", 0, FaultTiming.Before },
        { "POST", "accounts/*/access/apps/*/policies", 0, FaultTiming.After },
        { "GET", "zones/*/dns_records", 0, FaultTiming.Before },
        { "POST", "zones/*/dns_records", 0, FaultTiming.Before },
        { "POST", "zones/*/dns_records", 0, FaultTiming.After },
        { "GET", "zones/*/dns_records", 1, FaultTiming.Before },
        { "POST", "zones/*/dns_records", 1, FaultTiming.Before },
    };

    [Theory]
    [MemberData(nameof(FailurePoints))]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_first_run_stopped_at_any_call_exposes_nothing_keeps_its_secrets_and_a_rerun_converges(
        string method, string path, int skip, FaultTiming timing)
    {
        Faults.Fail(method, path, skip, timing);

        var (code, _, error) = await RunCommandAsync();

        Faults.Struck.Count.ShouldBe(1, "the fault must strike, or this test proves nothing");
        code.ShouldBe(1, error);
        error.ShouldContain("provisioning failed while ");
        await NoRecordIsPublicWithoutAccessAsync();
        // A DNS write that failed may have taken effect (its answer lost), so only a run stopped before any says none was made.
        if (!(method == "POST" && path.StartsWith("zones/", StringComparison.Ordinal)) && (await Api.ListDnsRecordsAsync()).Count == 0)
        {
            error.ShouldContain("no DNS record was created or changed");
        }
        var secretLost = (method, path, timing) == ("POST", "accounts/*/access/service_tokens", FaultTiming.After);
        await SecretsIssuedSoFarAreOnDiskAsync(secretLost, tunnelTokenFetched: !path.StartsWith("accounts/*/cfd_tunnel", StringComparison.Ordinal)
            || path.EndsWith("configurations", StringComparison.Ordinal));

        var (rerun, output, rerunError) = await RunCommandAsync();

        rerun.ShouldBe(0, rerunError);
        if (secretLost)
        {
            output.ShouldContain("change: rotate service token cmux-conformance");
        }
        await TheEndStateIsAnUndisturbedRunsAsync();
    }

    [Theory]
    [InlineData("POST", "accounts/*/access/service_tokens")]
    [InlineData("POST", "accounts/*/access/apps")]
    [InlineData("POST", "accounts/*/access/apps/*/policies")]
    [InlineData("PUT", "zones/*/dns_records/*")]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task Records_that_exist_unprotected_are_changed_only_once_access_is_in_place(string method, string path)
    {
        // Someone made the names by hand (not proxied, elsewhere) and no Access exists yet.
        var elsewhere = new List<DnsRecord>();
        foreach (var name in new[] { $"*.{Domain}", $"pve.{Domain}" })
        {
            elsewhere.Add(await Api.CreateDnsRecordAsync(new DnsRecord { Type = "CNAME", Name = name, Content = "elsewhere.example.net", Proxied = false }));
        }
        Faults.Fail(method, path);

        var (code, _, error) = await RunCommandAsync();

        Faults.Struck.Count.ShouldBe(1);
        code.ShouldBe(1, error);
        var records = await Api.ListDnsRecordsAsync();
        if (method != "PUT")
        {
            records.Select(r => (r.Id, r.Content, r.Proxied)).ShouldBe(elsewhere.Select(r => (r.Id, r.Content, r.Proxied)), ignoreOrder: true, "no record changes before Access is in place");
            error.ShouldContain("no DNS record was created or changed");
        }
        await NoRecordIsPublicWithoutAccessAsync();
        (await RunCommandAsync()).Code.ShouldBe(0);
        await TheEndStateIsAnUndisturbedRunsAsync();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_token_whose_secret_the_file_does_not_hold_is_rotated_and_a_failed_rotation_converges_too()
    {
        (await RunCommandAsync()).Code.ShouldBe(0);
        var first = ProvisioningOutput.Read(OutputFile)!.ServiceToken!;
        File.Delete(OutputFile);
        Faults.Fail("POST", "accounts/*/access/service_tokens/*/rotate");

        (await RunCommandAsync()).Code.ShouldBe(1);
        var (code, output, _) = await RunCommandAsync();

        code.ShouldBe(0);
        output.ShouldContain($"change: rotate service token cmux-conformance ({first.ClientId})");
        var rotated = ProvisioningOutput.Read(OutputFile)!.ServiceToken!;
        (rotated.Id, rotated.ClientId).ShouldBe((first.Id, first.ClientId));
        rotated.ClientSecret.ShouldNotBe(first.ClientSecret);
        await Should.ThrowAsync<CloudflareApiException>(() => Api.VerifyServiceTokenAsync(first.ClientId, first.ClientSecret!));
        await TheEndStateIsAnUndisturbedRunsAsync();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_rerun_reuses_the_saved_secret_and_changes_nothing()
    {
        (await RunCommandAsync()).Code.ShouldBe(0);
        var saved = ProvisioningOutput.Read(OutputFile)!;

        var again = await ProvisionAsync();

        again.Changes.ShouldBeEmpty();
        again.ServiceToken!.ClientSecret.ShouldBe(saved.ServiceToken!.ClientSecret);
        ProvisioningOutput.Read(OutputFile)!.ServiceToken!.ClientSecret.ShouldBe(saved.ServiceToken.ClientSecret);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Provisioning)]
    public async Task A_failed_run_says_what_exists()
    {
        Faults.Fail("POST", "accounts/*/access/apps");

        var (_, _, error) = await RunCommandAsync();

        var tunnel = (await Api.ListTunnelsAsync(TunnelNames.Default)).Single();
        var token = (await Api.ListServiceTokensAsync()).Single();
        error.ShouldStartWith($"provisioning failed while looking up or creating the Access application *.{Domain}: POST accounts/");
        error.ShouldContain($"exists: tunnel {TunnelNames.Default} ({tunnel.Id})");
        error.ShouldContain($"exists: tunnel token (saved in {OutputFile})");
        error.ShouldContain("exists: ingress configuration (version 1)");
        error.ShouldContain($"exists: service token cmux-conformance ({token.ClientId}; its secret saved in {OutputFile})");
        error.ShouldContain("no DNS record was created or changed");
        error.ShouldNotContain(ProvisioningOutput.Read(OutputFile)!.ServiceToken!.ClientSecret!);
    }

    private ProvisioningOptions Options() => new()
    {
        ApiBaseUrl = CloudflareFakeApp.ApiUrl(_fake.Url),
        ApiToken = FakeAccount.Token,
        AccountId = FakeAccount.AccountId,
        ZoneId = FakeAccount.ZoneId,
        Domain = Domain,
        RouterOrigin = new Uri("http://127.0.0.1:8080"),
        PveOrigin = new Uri("https://127.0.0.1:8006"),
        Access = true,
        OutputFile = OutputFile,
    };

    private async Task<(int Code, string Output, string Error)> RunCommandAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ProvisioningCommand.RunAsync(Options(), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private Task<ProvisioningResult> ProvisionAsync() => new TunnelProvisioner(Api, Options(), TextWriter.Null).RunAsync();

    /// <summary>Every record that leads to the tunnel is covered by an Access application whose Service Auth policy names an existing token.</summary>
    private async Task NoRecordIsPublicWithoutAccessAsync()
    {
        var tokens = (await Api.ListServiceTokensAsync()).Select(t => t.Id).ToHashSet();
        var apps = await Api.ListAccessApplicationsAsync();
        foreach (var record in (await Api.ListDnsRecordsAsync()).Where(r => r.Content.EndsWith(TunnelNames.CnameTargetSuffix, StringComparison.Ordinal)))
        {
            apps.Any(app => Protects(app, record.Name, tokens)).ShouldBeTrue($"{record.Name} leads to the tunnel with no Access in front");
        }
    }

    private async Task SecretsIssuedSoFarAreOnDiskAsync(bool secretLost, bool tunnelTokenFetched)
    {
        OwnerOnly(OutputFile);
        Directory.GetFiles(_folder).ShouldBe([OutputFile], "no temporary file is left behind");
        var saved = ProvisioningOutput.Read(OutputFile).ShouldNotBeNull();
        if (tunnelTokenFetched)
        {
            saved.TunnelToken.ShouldBe(await Api.GetTunnelTokenAsync((await Api.ListTunnelsAsync(TunnelNames.Default)).Single().Id));
        }
        if ((await Api.ListServiceTokensAsync()).SingleOrDefault() is { } token && !secretLost)
        {
            saved.ServiceToken.ShouldNotBeNull().Id.ShouldBe(token.Id);
            (await Api.VerifyServiceTokenAsync(token.ClientId, saved.ServiceToken.ClientSecret!)).Id.ShouldBe(token.Id);
        }
    }

    /// <summary>What one undisturbed run leaves: one tunnel with the ingress, one token whose secret is saved, one application with one policy, two proxied CNAMEs.</summary>
    private async Task TheEndStateIsAnUndisturbedRunsAsync()
    {
        OwnerOnly(OutputFile);
        var saved = ProvisioningOutput.Read(OutputFile)!;
        var tunnel = (await Api.ListTunnelsAsync()).ShouldHaveSingleItem();
        (saved.TunnelId, saved.TunnelToken).ShouldBe((tunnel.Id, await Api.GetTunnelTokenAsync(tunnel.Id)));
        JsonNode.DeepEquals((await Api.GetTunnelConfigurationAsync(tunnel.Id)).Config!["ingress"], TunnelProvisioner.DesiredIngress(Options())["ingress"]).ShouldBeTrue();
        var token = (await Api.ListServiceTokensAsync()).ShouldHaveSingleItem();
        (await Api.VerifyServiceTokenAsync(saved.ServiceToken!.ClientId, saved.ServiceToken.ClientSecret!)).Id.ShouldBe(token.Id);
        var app = (await Api.ListAccessApplicationsAsync()).ShouldHaveSingleItem();
        app.Domain.ShouldBe($"*.{Domain}");
        var policy = app.Policies!.ShouldHaveSingleItem();
        (policy.Decision, policy.Include.Single()!["service_token"]!["token_id"]!.GetValue<string>()).ShouldBe(("non_identity", token.Id));
        (await Api.ListDnsRecordsAsync()).Select(r => (r.Name, r.Type, r.Content, r.Proxied)).ShouldBe(
            [($"*.{Domain}", "CNAME", TunnelNames.CnameTarget(tunnel.Id), true), ($"pve.{Domain}", "CNAME", TunnelNames.CnameTarget(tunnel.Id), true)],
            ignoreOrder: true);
        (await ProvisionAsync()).Changes.ShouldBeEmpty("a converged account needs no change");
    }

    private static void OwnerOnly(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes are checked on Linux");
        }
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, $"{file} holds secrets");
    }

    private static bool Protects(AccessApplication app, string name, IReadOnlySet<string> tokens) =>
        Covers(app.Domain, name) && app.Policies!.Any(p => p.Decision == "non_identity"
            && p.Include.Any(rule => rule!["service_token"]?["token_id"]?.GetValue<string>() is { } id && tokens.Contains(id)));

    private static bool Covers(string appDomain, string name) =>
        string.Equals(appDomain, name, StringComparison.OrdinalIgnoreCase)
        || (appDomain.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(appDomain[1..], StringComparison.OrdinalIgnoreCase));
}

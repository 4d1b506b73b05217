using System.Net;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;
using Cmux.Execd;

namespace Cmux.Conformance.Tests.Providers.Pve;

/// <summary>
/// The PVE provider in the cmux profile (<c>CMUX_PROFILE=cmux</c>): containers named by instance
/// id, URLs <c>port-{port}-{instanceId}.{domain}</c>, and exec in the Go daemon's wire format,
/// against the fake's API and a real execd in its cmux profile (reached as the router would be,
/// its public URL connected to execd's socket).
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class PveCmuxProfileTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("cmux-profile-test-").FullName;
    private InProcessApp _pve = null!;
    private InProcessApp _execd = null!;
    private PveProvider _provider = null!;

    private string Home => Path.Combine(_root, "home");

    /// <summary>Where execd reads its token (none until a test writes it), as cmux's token-init leaves it.</summary>
    private string TokenFile => Path.Combine(_root, "worker-auth-token");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.Combine(_root, "workspace"));
        _pve = await PveFake.StartAsync();
        _execd = await InProcessApp.StartAsync(args => ExecdApplication.Build(args),
            "--Execd:Profile=cmux", $"--Execd:Home={Home}", $"--Execd:Workspace={Path.Combine(_root, "workspace")}",
            $"--Execd:TokenFiles:0={TokenFile}");
        var execd = _execd.Endpoint();
        _provider = new PveProvider(PveFake.Options(_pve) with
        {
            Profile = Profiles.Cmux,
            PublicScheme = "http",
            Route = new PublicRoute(new DnsEndPoint(execd.Address.ToString(), execd.Port)),
        });
    }

    [Fact]
    public async Task Containers_are_named_by_instance_id_and_reached_by_the_cmux_url_pattern()
    {
        var sandbox = await _provider.CreateAsync(CancellationToken.None);
        using var api = PveFake.Client(_pve);

        var config = await (await api.GetAsync($"nodes/pve/lxc/{sandbox.Id}/config")).Content.ReadAsStringAsync();
        var url = _provider.UrlFor(sandbox, SandboxPorts.VsCode);

        sandbox.Id.ShouldBe("200");
        config.ShouldContain("\"hostname\":\"pvelxc-000000c8\"");
        config.ShouldContain("cmux-conformance run=");
        config.ShouldMatch("cmux-execd-auth-token=[0-9a-f]{64}");
        url.ShouldBe(new Uri("http://port-39378-pvelxc-000000c8.example.test/"));
        _provider.Documented.UrlPattern.IsMatch(url.Host).ShouldBeTrue();
        _provider.Documented.UrlPattern.IsMatch("port-39378-vm-200.example.test").ShouldBeFalse();
        _provider.Describe()["profile"].ShouldBe(Profiles.Cmux);
        _provider.Describe()["urls"].ShouldBe("http://port-{port}-{instanceId}.example.test");
        await _provider.DeleteAsync(sandbox, CancellationToken.None);
    }

    [Fact]
    public async Task Exec_presents_the_token_the_provider_injected_into_the_clone()
    {
        var sandbox = await _provider.CreateAsync(CancellationToken.None);
        using var api = PveFake.Client(_pve);
        var description = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync($"nodes/pve/lxc/{sandbox.Id}/config"))
            .RootElement.GetProperty("data").GetProperty("description").GetString();
        // What the inherited hook and cmux's token-init do inside a real container: the marker's token becomes execd's.
        var token = CmuxExecWire.TokenIn(null, description).ShouldNotBeNull();
        await File.WriteAllTextAsync(TokenFile, token);
        using var stranger = new PveProvider(PveFake.Options(_pve) with { Profile = Profiles.Cmux, PublicScheme = "http", Route = _provider.Route });

        var result = await _provider.ExecAsync(sandbox, new("echo authorised"), CancellationToken.None);
        var fromConfig = await stranger.ExecAsync(sandbox, new("echo read back"), CancellationToken.None);
        await File.WriteAllTextAsync(TokenFile, CmuxExecWire.NewToken());
        var refused = await Should.ThrowAsync<ProviderException>(() => _provider.ExecAsync(sandbox, new("echo no"), CancellationToken.None));

        result.Stdout.ShouldBe("authorised");
        fromConfig.Stdout.ShouldBe("read back");
        refused.Message.ShouldContain("401");
        File.Delete(TokenFile);
        await _provider.DeleteAsync(sandbox, CancellationToken.None);
    }

    [Fact]
    public async Task Exec_speaks_ndjson_and_carries_the_working_directory_and_environment_in_the_command()
    {
        var sandbox = new SandboxHandle("pve", "200", TimeSpan.Zero);
        var env = new Dictionary<string, string> { ["CMUX_CHECK"] = "a b='c'" };

        var result = await _provider.ExecAsync(sandbox,
            new("printf '%s|%s\\n' \"$HOME\" \"$CMUX_CHECK\"; pwd; echo warned >&2; exit 7", WorkingDirectory: "/tmp", Environment: env), CancellationToken.None);
        var missing = await _provider.ExecAsync(sandbox, new("echo never", WorkingDirectory: "/nonexistent-cmux-dir"), CancellationToken.None);

        result.ExitCode.ShouldBe(7);
        result.Stdout.ShouldBe($"{Home}|a b='c'\n/tmp");
        result.Stderr.ShouldBe("warned");
        result.TimedOut.ShouldBeFalse();
        result.Wire.ShouldStartWith("application/jsonlines");
        result.Wire.ShouldContain("events [stdout, stderr, exit]");
        missing.ExitCode.ShouldNotBe(0);
        missing.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_command_that_outlives_its_timeout_is_reported_as_timed_out()
    {
        var result = await _provider.ExecAsync(new SandboxHandle("pve", "200", TimeSpan.Zero),
            new("sleep 30", Timeout: TimeSpan.FromMilliseconds(300)), CancellationToken.None);

        result.TimedOut.ShouldBeTrue();
        result.ExitCode.ShouldBe(ExecContract.TimeoutExitCode);
    }

    [Fact]
    public void The_wire_puts_the_output_back_together_as_cmuxs_client_does()
    {
        var (exit, stdout, stderr) = CmuxExecWire.Read(
            "{\"type\":\"stdout\",\"data\":\"a\"}\n{\"type\":\"stdout\",\"data\":\"\"}\n{\"type\":\"stdout\",\"data\":\"b\"}\n" +
            "{\"type\":\"error\",\"message\":\"spawn failed\"}\n{\"type\":\"exit\",\"code\":127}\n");

        (exit, stdout, stderr).ShouldBe((127, "a\n\nb", "spawn failed"));
        Should.Throw<System.Text.Json.JsonException>(() => CmuxExecWire.Read("{\"type\":\"stdout\",\"data\":\"cut\"}\n"));
        Should.Throw<ArgumentException>(() => CmuxExecWire.Body(new("true", Environment: new Dictionary<string, string> { ["A;rm"] = "x" })));
        CmuxExecWire.Body(new("true", Timeout: TimeSpan.FromSeconds(2))).ShouldBe("{\"command\":\"true\",\"timeout_ms\":2000}");
        var token = new string('a', 64);
        CmuxExecWire.WithTokenMarker($"keep\n{CmuxExecWire.TokenMarker}{new string('b', 64)}\nalso\n", token).ShouldBe($"keep\nalso\n{CmuxExecWire.TokenMarker}{token}");
        CmuxExecWire.TokenIn($"A=1\0{CmuxExecWire.TokenEnvKey}={token}", $"{CmuxExecWire.TokenMarker}{new string('b', 64)}").ShouldBe(token);
        CmuxExecWire.TokenIn(null, $"{CmuxExecWire.TokenMarker}not-hex").ShouldBeNull();
    }

    public async Task DisposeAsync()
    {
        _provider.Dispose();
        await _execd.DisposeAsync();
        await _pve.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

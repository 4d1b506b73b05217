using System.Net;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Providers.Morph;

/// <summary>The Morph provider's cmux flow, end to end against the fake.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.MorphApi)]
public sealed class MorphProviderTests(MorphProviderFixture morph) : IClassFixture<MorphProviderFixture>, IAsyncLifetime
{
    private readonly List<SandboxHandle> _created = [];

    private MorphProvider Provider => morph.Provider;

    [Fact]
    public async Task Create_waits_until_ready_and_exposes_every_port_at_morphs_url()
    {
        var sandbox = morph.SharedSandbox;

        sandbox.Provider.ShouldBe("morph");
        sandbox.Id.ShouldStartWith("morphvm_");
        sandbox.TimeToReady.ShouldBeGreaterThanOrEqualTo(MorphProviderFixture.ReadyDelay);
        foreach (var port in MorphProviderFixture.ProviderPorts)
        {
            Provider.UrlFor(sandbox, port).ShouldBe(new Uri($"https://port-{port}-{sandbox.Id.Replace('_', '-')}.{MorphProviderFixture.Domain}/"));
        }
        using var client = new HttpClient(Provider.CreateHttpHandler());
        using var vscode = await client.GetAsync(Provider.UrlFor(sandbox, SandboxPorts.VsCode));
        vscode.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_port_that_was_not_exposed_gets_the_pattern_url_and_a_404()
    {
        var sandbox = morph.SharedSandbox;

        var url = Provider.UrlFor(sandbox, SandboxPorts.Preview);
        using var client = new HttpClient(Provider.CreateHttpHandler());
        using var response = await client.GetAsync(url);

        url.Host.ShouldBe($"port-{SandboxPorts.Preview}-{sandbox.Id.Replace('_', '-')}.{MorphProviderFixture.Domain}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Exec_normalises_output_exit_code_directory_and_environment()
    {
        var sandbox = morph.SharedSandbox;

        var result = await Provider.ExecAsync(sandbox, new ExecRequest(
            "pwd; echo \"$GREETING\"; echo oops >&2; exit 3",
            WorkingDirectory: "/usr/bin",
            Environment: new Dictionary<string, string> { ["GREETING"] = "it's a \"test\" $HOME" }), CancellationToken.None);

        (result with { Wire = "" }).ShouldBe(new ExecResult(3, "/usr/bin\nit's a \"test\" $HOME\n", "oops\n"));
    }

    [Fact]
    public async Task Exec_in_a_missing_directory_fails_instead_of_running_elsewhere()
    {
        var sandbox = morph.SharedSandbox;

        var result = await Provider.ExecAsync(sandbox, new ExecRequest("echo ran", WorkingDirectory: "/does/not/exist"), CancellationToken.None);

        result.ExitCode.ShouldNotBe(0);
        result.Stdout.ShouldBeEmpty();
        result.Stderr.ShouldContain("/does/not/exist");
    }

    [Fact]
    public async Task An_exec_past_its_timeout_is_reported_as_timed_out_without_an_exit_code()
    {
        var sandbox = morph.SharedSandbox;

        var result = await Provider.ExecAsync(sandbox, new ExecRequest("sleep 30", Timeout: TimeSpan.FromMilliseconds(300)), CancellationToken.None);

        result.ShouldBe(new ExecResult(MorphProvider.NoExitCode, "", "", TimedOut: true));
    }

    [Fact]
    public void Environment_names_that_are_not_shell_identifiers_are_refused()
    {
        var request = new ExecRequest("true", Environment: new Dictionary<string, string> { ["BAD-NAME"] = "x" });

        Should.Throw<ArgumentException>(() => MorphProvider.ShellCommand(request)).Message.ShouldContain("BAD-NAME");
    }

    [Fact]
    public async Task Pause_and_resume_keep_the_instance_and_its_urls()
    {
        var sandbox = await CreateAsync();
        using var client = new HttpClient(Provider.CreateHttpHandler());
        var url = Provider.UrlFor(sandbox, SandboxPorts.VsCode);

        await Provider.PauseAsync(sandbox, CancellationToken.None);
        using var paused = await client.GetAsync(url);
        await Provider.ResumeAsync(sandbox, CancellationToken.None);
        using var resumed = await client.GetAsync(url);
        var exec = await Provider.ExecAsync(sandbox, new ExecRequest("echo back"), CancellationToken.None);

        paused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        resumed.StatusCode.ShouldBe(HttpStatusCode.OK);
        exec.Stdout.ShouldBe("back\n");
    }

    [Fact]
    public async Task Stop_destroys_the_instance_as_morph_does_and_delete_is_idempotent()
    {
        var sandbox = await CreateAsync();

        await Provider.StopAsync(sandbox, CancellationToken.None);
        var afterStop = await Should.ThrowAsync<ProviderException>(() =>
            Provider.ExecAsync(sandbox, new ExecRequest("true"), CancellationToken.None));
        await Provider.DeleteAsync(sandbox, CancellationToken.None);

        afterStop.Step.ShouldBe("exec");
        afterStop.Message.ShouldContain("404");
    }

    [Fact]
    public async Task A_failed_start_names_the_step_and_what_morph_said()
    {
        using var provider = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = morph.Api,
            ApiKey = MorphProviderFixture.ApiKey,
            SnapshotId = "snapshot_missing",
        });

        var failure = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        failure.Step.ShouldBe("start");
        failure.Message.ShouldContain("snapshot_not_found");
    }

    [Fact]
    public async Task A_wrong_api_key_fails_with_401()
    {
        using var provider = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = morph.Api,
            ApiKey = "wrong",
            SnapshotId = MorphProviderFixture.Snapshot,
        });

        var failure = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        failure.Message.ShouldContain("401");
    }

    private async Task<SandboxHandle> CreateAsync()
    {
        var sandbox = await Provider.CreateAsync(CancellationToken.None);
        _created.Add(sandbox);
        return sandbox;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var sandbox in _created)
        {
            await Provider.DeleteAsync(sandbox, CancellationToken.None);
        }
    }
}

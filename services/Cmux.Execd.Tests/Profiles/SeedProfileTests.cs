using System.Net;
using System.Net.Http.Json;
using Cmux.Contract;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>The seed's v1 contract: one JSON answer <c>{stdout, stderr, exitCode}</c> per command.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class SeedProfileTests : IAsyncLifetime
{
    private ExecdServer _execd = null!;

    public async Task InitializeAsync() => _execd = await ExecdServer.StartAsync(ExecdProfile.Seed, "MaxOutputBytes=1000");

    public async Task DisposeAsync() => await _execd.DisposeAsync();

    [Fact]
    public async Task Answers_stdout_stderr_and_exit_code()
    {
        var result = await ExecAsync(new { command = "echo hello; echo oops >&2; exit 3" });

        result.ShouldBe(new SeedResult("hello\n", "oops\n", 3, false));
    }

    [Fact]
    public async Task Runs_bash_in_the_workspace_with_home_set()
    {
        var result = await ExecAsync(new { command = "echo $BASH_VERSION | cut -c1; pwd; echo $HOME" });

        result.Stdout.ShouldBe($"5\n{_execd.Workspace}\n{_execd.Home}\n");
    }

    [Fact]
    public async Task Honours_cwd_and_env_including_home()
    {
        var result = await ExecAsync(new { command = "pwd; echo $GREETING $HOME", cwd = "/tmp", env = new Dictionary<string, string> { ["GREETING"] = "hi", ["HOME"] = "/elsewhere" } });

        result.Stdout.ShouldBe("/tmp\nhi /elsewhere\n");
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_process_tree_and_answers_124()
    {
        var pidFile = Path.Combine(_execd.Root, "child.pid");

        var result = await ExecAsync(new { command = $"sleep 300 & echo $! > {pidFile}; wait", timeout_ms = 300 });

        result.ExitCode.ShouldBe(ExecContract.TimeoutExitCode);
        result.Stderr.ShouldContain("timeout after 300ms");
        await Poll.UntilGoneAsync(int.Parse(await File.ReadAllTextAsync(pidFile)));
    }

    [Fact]
    public async Task Output_over_the_cap_is_cut_with_a_marker_and_flagged()
    {
        var result = await ExecAsync(new { command = "head -c 5000 /dev/zero | tr '\\0' a" });

        result.Truncated.ShouldBeTrue();
        result.Stdout.ShouldStartWith(new string('a', 1000) + "\n[execd: output truncated at 1000 bytes; 4000 more bytes dropped]");
    }

    [Fact]
    public async Task Output_under_the_cap_is_not_flagged()
    {
        (await ExecAsync(new { command = "head -c 1000 /dev/zero | tr '\\0' a" })).ShouldBe(new SeedResult(new string('a', 1000), "", 0, false));
    }

    [Fact]
    public async Task Background_processes_do_not_outlive_the_request()
    {
        var result = await ExecAsync(new { command = "sleep 300 > /dev/null 2>&1 & echo $!" });

        await Poll.UntilGoneAsync(int.Parse(result.Stdout));
    }

    [Fact]
    public async Task A_client_that_goes_away_kills_its_command()
    {
        var pidFile = Path.Combine(_execd.Root, "client-gone.pid");
        using var cancel = new CancellationTokenSource();
        var exec = _execd.Client.PostAsJsonAsync("/exec", new { command = $"echo $$ > {pidFile}; sleep 300" }, cancel.Token);
        await Poll.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), "the command started");

        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(exec);
        await Poll.UntilGoneAsync(int.Parse(await File.ReadAllTextAsync(pidFile)));
    }

    [Fact]
    public async Task Serves_many_commands_at_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => ExecAsync(new { command = $"sleep 0.2; echo {i}" })));

        results.Select(r => r.Stdout).ShouldBe(Enumerable.Range(0, 32).Select(i => $"{i}\n"));
    }

    [Fact]
    public async Task A_cwd_that_does_not_exist_is_refused()
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", new { command = "true", cwd = "/no/such/dir" });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<ExecError>())!.Error.ShouldBe("cwd does not exist: /no/such/dir");
    }

    private async Task<SeedResult> ExecAsync(object request)
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<SeedResult>())!;
    }

    private sealed record SeedResult(string Stdout, string Stderr, int ExitCode, bool Truncated);

    private sealed record ExecError(string Error);
}

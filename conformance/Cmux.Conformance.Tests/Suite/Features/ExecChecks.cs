using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Tests.Infrastructure;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class ExecChecks(StackFixture stack) : ConformanceTests(stack)
{
    /// <summary>Sends an exec request the provider's contract rejects, the way a buggy client would; returns the status.</summary>
    protected abstract Task<HttpStatusCode> SendMalformedExecAsync(ProviderSession session, SandboxHandle sandbox, CancellationToken ct);

    private static async Task<ExecResult> Exec(ProviderSession s, ExecRequest request)
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        return await s.Provider.ExecAsync(sandbox, request, Timeout());
    }

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Stdout_comes_back() => CheckAsync(CheckCatalog.Exec.Stdout, async s =>
    {
        var result = await Exec(s, new("echo hello; echo world"));
        result.ExitCode.ShouldBe(0);
        result.Stdout.TrimEnd('\n').ShouldBe("hello\nworld");
        result.Stderr.ShouldBeEmpty();

        var blank = await Exec(s, new("printf 'a\\n\\nb\\n'"));
        Recorder.Observe("exec-output-normalisation", s.Name, blank.Stdout == "a\n\nb\n"
            ? "kept as printed"
            : $"normalised to {System.Text.Json.JsonSerializer.Serialize(blank.Stdout)}");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Stderr_comes_back_apart() => CheckAsync(CheckCatalog.Exec.Stderr, async s =>
    {
        var result = await Exec(s, new("echo out; echo oops >&2"));
        result.Stdout.TrimEnd('\n').ShouldBe("out");
        result.Stderr.TrimEnd('\n').ShouldBe("oops");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Exit_codes_come_back() => CheckAsync(CheckCatalog.Exec.ExitCode, async s =>
    {
        (await Exec(s, new("exit 7"))).ExitCode.ShouldBe(7);
        (await Exec(s, new("false"))).ExitCode.ShouldBe(1);
        (await Exec(s, new("command-that-does-not-exist-here"))).ExitCode.ShouldBe(127);
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Working_directory_is_honoured() => CheckAsync(CheckCatalog.Exec.WorkingDirectory, async s =>
    {
        (await Exec(s, new("pwd", WorkingDirectory: "/tmp"))).Stdout.Trim().ShouldBe("/tmp");
        (await Exec(s, new("mkdir -p /root/cmux-cwd && cd /root/cmux-cwd && pwd"))).Stdout.Trim().ShouldBe("/root/cmux-cwd");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Environment_reaches_the_command() => CheckAsync(CheckCatalog.Exec.Environment, async s =>
    {
        var env = new Dictionary<string, string> { ["CMUX_CHECK"] = "a b=c" };
        var result = await Exec(s, new("printf '%s|%s' \"$HOME\" \"$CMUX_CHECK\"", Environment: env));
        result.Stdout.ShouldBe("/root|a b=c");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Timeouts_stop_the_command() => CheckAsync(CheckCatalog.Exec.Timeout, async s =>
    {
        var clock = Stopwatch.StartNew();
        var result = await Exec(s, new("sleep 60", Timeout: TimeSpan.FromSeconds(2)));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the command outlived its timeout");
        result.TimedOut.ShouldBeTrue();
        Recorder.Observe("exec-timeout", s.Name, result.ExitCode == ExecResult.TimeoutExitCode
            ? "exit code 124 with a message in stderr"
            : $"the call failed (reported as exit {result.ExitCode})");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Large_output_comes_back_whole() => CheckAsync(CheckCatalog.Exec.LargeOutput, async s =>
    {
        var result = await Exec(s, new("head -c 1048576 /dev/zero | tr '\\0' 'a'"));
        result.ExitCode.ShouldBe(0);
        result.Stdout.Length.ShouldBe(1048576);
        result.Stdout.ShouldAllBe(c => c == 'a');
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Binary_output_survives() => CheckAsync(CheckCatalog.Exec.BinaryOutput, async s =>
    {
        var result = await Exec(s, new("f=$(mktemp); head -c 65536 /dev/urandom > $f; sha256sum $f | cut -d' ' -f1; base64 -w0 $f; rm -f $f"));
        result.ExitCode.ShouldBe(0);
        var lines = result.Stdout.Split('\n', 2);
        var bytes = Convert.FromBase64String(lines[1].Trim());
        bytes.Length.ShouldBe(65536);
        Convert.ToHexStringLower(SHA256.HashData(bytes)).ShouldBe(lines[0].Trim());

        var raw = await Exec(s, new("printf '\\x00\\x01\\xff\\xfe'; echo; echo after"));
        raw.ExitCode.ShouldBe(0, "raw binary on stdout must not break the exec");
        raw.Stdout.TrimEnd('\n').ShouldEndWith("after");
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Concurrent_execs_get_their_own_results() => CheckAsync(CheckCatalog.Exec.Concurrency, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            s.Provider.ExecAsync(sandbox, new($"sleep 0.2; echo run-{i}"), Timeout())));
        for (var i = 0; i < results.Length; i++)
        {
            results[i].ExitCode.ShouldBe(0);
            results[i].Stdout.Trim().ShouldBe($"run-{i}");
        }
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Exec)]
    public Task Malformed_requests_are_refused() => CheckAsync(CheckCatalog.Exec.BadRequest, async s =>
    {
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var status = (int)await SendMalformedExecAsync(s, sandbox, Timeout());
        status.ShouldBeInRange(400, 499);
        Recorder.Observe("exec-wire-format", s.Name, s.Name == ProviderNames.Pve
            ? $"execd POST /exec {{stdout, stderr, exitCode}}; malformed -> {status}"
            : $"POST /instance/{{id}}/exec {{exit_code, stdout, stderr}}; malformed -> {status}");
    });
}

public sealed class PveExecChecks(StackFixture stack) : ExecChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;

    protected override async Task<HttpStatusCode> SendMalformedExecAsync(ProviderSession session, SandboxHandle sandbox, CancellationToken ct)
    {
        using var client = session.CreateClient();
        using var body = new StringContent("{\"command\": ", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(session.Provider.UrlFor(sandbox, Cmux.Contract.SandboxPorts.Execd), "/exec"), body, ct);
        return response.StatusCode;
    }
}

public sealed class MorphExecChecks(StackFixture stack) : ExecChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;

    protected override async Task<HttpStatusCode> SendMalformedExecAsync(ProviderSession session, SandboxHandle sandbox, CancellationToken ct)
    {
        var options = ((Cmux.Conformance.Providers.Morph.MorphProvider)session.Provider).Options;
        using var client = new HttpClient { BaseAddress = options.ApiBaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", options.ApiKey);
        using var body = new StringContent("{\"command\": 5}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"instance/{sandbox.Id}/exec", body, ct);
        return response.StatusCode;
    }
}

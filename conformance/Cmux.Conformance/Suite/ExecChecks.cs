using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>The exec contract (docs/contracts.md §4), through each provider's own exec API.</summary>
public static class ExecChecks
{
    private static async Task<ExecResult> ExecAsync(CheckContext c, ExecRequest request) =>
        await c.Provider.ExecAsync(await c.SharedSandboxAsync(), request, c.Timeout());

    public static readonly ConformanceCheck Stdout = new()
    {
        ShortName = "exec-stdout",
        Feature = Features.Exec,
        Description = "stdout of a command comes back whole.",
        Test = async c =>
        {
            var result = await ExecAsync(c, new("echo hello; echo world"));
            result.ExitCode.ShouldBe(0);
            result.Stdout.TrimEnd('\n').ShouldBe("hello\nworld");
            result.Stderr.ShouldBeEmpty();

            var blank = await ExecAsync(c, new("printf 'a\\n\\nb\\n'"));
            c.Observe(KnownDifferences.OutputNormalisation, blank.Stdout == "a\n\nb\n"
                ? "kept as printed"
                : $"normalised to {JsonSerializer.Serialize(blank.Stdout)}");
        },
    };

    public static readonly ConformanceCheck Stderr = new()
    {
        ShortName = "exec-stderr",
        Feature = Features.Exec,
        Description = "stderr comes back separately from stdout.",
        Test = async c =>
        {
            var result = await ExecAsync(c, new("echo out; echo oops >&2"));
            result.Stdout.TrimEnd('\n').ShouldBe("out");
            result.Stderr.TrimEnd('\n').ShouldBe("oops");
        },
    };

    public static readonly ConformanceCheck ExitCode = new()
    {
        ShortName = "exec-exit-code",
        Feature = Features.Exec,
        Description = "Non-zero exit codes are reported as the command returned them.",
        Test = async c =>
        {
            (await ExecAsync(c, new("exit 7"))).ExitCode.ShouldBe(7);
            (await ExecAsync(c, new("false"))).ExitCode.ShouldBe(1);
            (await ExecAsync(c, new("command-that-does-not-exist-here"))).ExitCode.ShouldBe(127);
        },
    };

    public static readonly ConformanceCheck WorkingDirectory = new()
    {
        ShortName = "exec-working-directory",
        Feature = Features.Exec,
        Description = "Commands run in the requested working directory, and can cd.",
        Test = async c =>
        {
            (await ExecAsync(c, new("pwd", WorkingDirectory: "/tmp"))).Stdout.Trim().ShouldBe("/tmp");
            (await ExecAsync(c, new("mkdir -p /root/cmux-cwd && cd /root/cmux-cwd && pwd"))).Stdout.Trim().ShouldBe("/root/cmux-cwd");
        },
    };

    public static readonly ConformanceCheck Environment = new()
    {
        ShortName = "exec-environment",
        Feature = Features.Exec,
        Description = "HOME is /root and environment variables reach the command.",
        Test = async c =>
        {
            var env = new Dictionary<string, string> { ["CMUX_CHECK"] = "a b=c" };
            var result = await ExecAsync(c, new("printf '%s|%s' \"$HOME\" \"$CMUX_CHECK\"", Environment: env));
            result.Stdout.ShouldBe("/root|a b=c");
        },
    };

    public static readonly ConformanceCheck Timeout = new()
    {
        ShortName = "exec-timeout",
        Feature = Features.Exec,
        Description = "A command that outlives its timeout is stopped and reported as timed out.",
        Test = async c =>
        {
            var clock = Stopwatch.StartNew();
            var result = await ExecAsync(c, new("sleep 60", Timeout: TimeSpan.FromSeconds(2)));
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the command outlived its timeout");
            result.TimedOut.ShouldBeTrue();
            c.Observe(KnownDifferences.ExecTimeout, result.ExitCode == ExecContract.TimeoutExitCode
                ? $"exit code {ExecContract.TimeoutExitCode}, stderr {JsonSerializer.Serialize(result.Stderr.Trim())}"
                : $"the call failed; no exit code (reported as {result.ExitCode})");
        },
    };

    public static readonly ConformanceCheck LargeOutput = new()
    {
        ShortName = "exec-large-output",
        Feature = Features.Exec,
        Description = "1 MiB of output, in 1024 lines, comes back intact.",
        Test = async c =>
        {
            // In lines, because cmux's Go execd splits output into lines of less than 1 MiB
            // (bufio.Scanner) and refuses a longer one: a single 1 MiB line is not cmux's contract.
            var result = await ExecAsync(c, new("yes \"$(head -c 1023 /dev/zero | tr '\\0' a)\" | head -n 1024"));
            result.ExitCode.ShouldBe(0);
            var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Length.ShouldBe(1024);
            lines.ShouldAllBe(line => line.Length == 1023 && line.All(ch => ch == 'a'));
        },
    };

    public static readonly ConformanceCheck BinaryOutput = new()
    {
        ShortName = "exec-binary-output",
        Feature = Features.Exec,
        Description = "Binary output survives (base64 round trip of random bytes).",
        Test = async c =>
        {
            var result = await ExecAsync(c, new("f=$(mktemp); head -c 65536 /dev/urandom > $f; sha256sum $f | cut -d' ' -f1; base64 -w0 $f; rm -f $f"));
            result.ExitCode.ShouldBe(0);
            var lines = result.Stdout.Split('\n', 2);
            var bytes = Convert.FromBase64String(lines[1].Trim());
            bytes.Length.ShouldBe(65536);
            Convert.ToHexStringLower(SHA256.HashData(bytes)).ShouldBe(lines[0].Trim());

            var raw = await ExecAsync(c, new("printf '\\x00\\x01\\xff\\xfe'; echo; echo after"));
            raw.ExitCode.ShouldBe(0, "raw binary on stdout must not break the exec");
            raw.Stdout.TrimEnd('\n').ShouldEndWith("after");
        },
    };

    public static readonly ConformanceCheck Concurrency = new()
    {
        ShortName = "exec-concurrency",
        Feature = Features.Exec,
        Description = "16 concurrent execs each get their own result.",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
                c.Provider.ExecAsync(sandbox, new($"sleep 0.2; echo run-{i}"), c.Timeout())));
            for (var i = 0; i < results.Length; i++)
            {
                results[i].ExitCode.ShouldBe(0);
                results[i].Stdout.Trim().ShouldBe($"run-{i}");
            }
        },
    };

    public static readonly ConformanceCheck BadRequest = new()
    {
        ShortName = "exec-bad-request",
        Feature = Features.Exec,
        Description = "A malformed exec request is refused with a 4xx, not run.",
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            var status = (int)await c.Provider.SendRawExecAsync(sandbox, "{\"command\": ", c.Timeout());
            status.ShouldBeInRange(400, 499);
            var wire = (await c.Provider.ExecAsync(sandbox, new("echo wire"), c.Timeout())).Wire;
            c.Observe(KnownDifferences.ExecWireFormat, $"{wire}; malformed JSON -> {status}");
        },
    };
}

using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Contract;

namespace Cmux.Conformance.Tests.Runtime;

/// <summary>
/// A provider whose sandboxes are this machine, each command a <c>bash -c</c> in a private mount
/// namespace with its own empty <c>/root</c>: enough to run the exec checks through the runner
/// without a stack. It has no URLs worth reaching and declares as much.
/// </summary>
public sealed class LocalProvider(string name) : ISandboxProvider
{
    private int _next;

    public string Name => name;

    public ProviderContract Documented { get; } = new(
        new Regex(@"^port-\d+-local-\d+\.local\.test$"), "local.test", HttpStatusCode.NotFound, HttpStatusCode.NotFound,
        new SandboxHandle(name, "0", TimeSpan.Zero));

    public PublicRoute Route => PublicRoute.Direct;

    public Provisioning.ProvisioningOptions? Tunnel => null;

    public IReadOnlyDictionary<string, string> AuthHeaders { get; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["exec"] = "local bash -c" };

    public Support Supports(Capability capability) => Support.No("a local provider has no URLs behind any edge");

    public Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new SandboxHandle(name, Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero));

    public Uri UrlFor(SandboxHandle sandbox, int port) => new($"https://port-{port}-local-{sandbox.Id}.local.test/");

    public Task PublishAsync(SandboxHandle sandbox, int port, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> PreflightAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> SweepAsync(Func<SandboxMark, bool> select, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public async Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("unshare", ["-rm", "sh", "-c", "mount -t tmpfs tmpfs /root && cd \"$1\" && exec bash -c \"$2\"", "sh",
            request.WorkingDirectory ?? "/tmp", request.Command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["HOME"] = "/root" },
        };
        foreach (var (key, value) in request.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout ?? Timeout.InfiniteTimeSpan);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return new ExecResult(process.ExitCode, await stdout, await stderr, Wire: "local process");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new ExecResult(ExecContract.TimeoutExitCode, "", "timed out", TimedOut: true, Wire: "local process");
        }
    }

    public Task<HttpStatusCode> SendRawExecAsync(SandboxHandle sandbox, string body, CancellationToken cancellationToken) =>
        Task.FromResult(HttpStatusCode.BadRequest);

    public Task<string?> StatusAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.FromResult<string?>("running");

    public Task PauseAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ResumeAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public HttpMessageHandler CreateHttpHandler() => new SocketsHttpHandler();
}

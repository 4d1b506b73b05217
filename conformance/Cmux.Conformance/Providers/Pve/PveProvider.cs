using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// cmux's PVE LXC provider, step by step (contracts.md section 6): the smallest free vmid from
/// 200, a linked clone of the template (retried when the vmid was taken meanwhile), start, each
/// task polled until it stopped with <c>OK</c>; services at <c>https://port-{port}-vm-{vmid}.{domain}</c>;
/// exec through execd on port 39375; delete as stop then <c>DELETE force=1&amp;purge=1</c>.
/// Every failure is a <see cref="ProviderException"/> naming the step, the vmid and PVE's message.
/// </summary>
public sealed class PveProvider : ISandboxProvider, IDisposable
{
    public const int ExecdPort = 39375;

    private readonly PveProviderOptions _options;
    private readonly PveApiClient _api;
    private readonly HttpClient _services;

    public PveProvider(PveProviderOptions options)
    {
        _options = options;
        _api = new PveApiClient(options);
        // Exec timeouts are the command's; the HTTP call must outlive them.
        _services = new HttpClient(CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Name => "pve";

    public PveApiClient Api => _api;

    public IReadOnlyDictionary<string, string> AuthHeaders => _options.AccessHeaders;

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["api"] = _options.ApiUrl.ToString(),
        ["node"] = _options.Node,
        ["template"] = _options.TemplateVmid.ToString(CultureInfo.InvariantCulture),
        ["urls"] = $"https://port-{{port}}-vm-{{vmid}}.{_options.Domain}",
        ["profile"] = "seed",
        ["access"] = AuthHeaders.Count > 0 ? "service token" : "none",
    };

    public async Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var vmid = await CloneAsync(cancellationToken);
        var sandbox = vmid.ToString(CultureInfo.InvariantCulture);
        await RunTaskAsync("start", sandbox, () => _api.StartAsync(vmid, cancellationToken), cancellationToken);
        return new SandboxHandle(Name, sandbox, started.Elapsed);
    }

    public Uri UrlFor(SandboxHandle sandbox, int port) => new($"{_options.PublicScheme}://port-{port}-vm-{sandbox.Id}.{_options.Domain}/");

    public HttpMessageHandler CreateHttpHandler() => PublicUrlHandler.Create(_options.PublicEndpoint, _options.PublicRootCertificate);

    public async Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken)
    {
        var body = new ExecBody(
            request.Command,
            request.WorkingDirectory,
            request.Environment,
            request.Timeout is { } t ? (long)t.TotalMilliseconds : null);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(UrlFor(sandbox, ExecdPort), "exec"));
            foreach (var (name, value) in AuthHeaders)
            {
                message.Headers.Add(name, value);
            }
            message.Content = JsonContent.Create(body, ExecJson.Default.ExecBody);
            using var response = await _services.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new ProviderException(Name, "exec", sandbox.Id, $"execd answered {(int)response.StatusCode}: {text}");
            }
            var result = await response.Content.ReadFromJsonAsync(ExecJson.Default.ExecReply, cancellationToken)
                ?? throw new ProviderException(Name, "exec", sandbox.Id, "execd answered an empty body");
            return new ExecResult(result.ExitCode, result.Stdout ?? "", result.Stderr ?? "", result.ExitCode == ExecResult.TimeoutExitCode);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException)
        {
            throw new ProviderException(Name, "exec", sandbox.Id, e.Message, e);
        }
    }

    /// <summary>PVE's LXC suspend (a cgroup freeze); the container stays <c>running</c>.</summary>
    public Task PauseAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        RunTaskAsync("pause", sandbox.Id, () => _api.SuspendAsync(Vmid(sandbox), cancellationToken), cancellationToken);

    public Task ResumeAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        RunTaskAsync("resume", sandbox.Id, () => _api.ResumeAsync(Vmid(sandbox), cancellationToken), cancellationToken);

    public Task StopAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        RunTaskAsync("stop", sandbox.Id, () => _api.StopAsync(Vmid(sandbox), cancellationToken), cancellationToken);

    /// <summary>cmux's delete: stop (already stopped is fine), then destroy; a container that does not exist is deleted.</summary>
    public async Task DeleteAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        var vmid = Vmid(sandbox);
        try
        {
            await RunTaskAsync("delete (stop)", sandbox.Id, () => _api.StopAsync(vmid, cancellationToken), cancellationToken);
        }
        catch (ProviderException e) when (e.InnerException is PveApiException pve && (pve.Says("not running") || pve.Says("does not exist")))
        {
            // Nothing to stop.
        }
        try
        {
            await RunTaskAsync("delete", sandbox.Id, () => _api.DestroyAsync(vmid, cancellationToken), cancellationToken);
        }
        catch (ProviderException e) when (e.InnerException is PveApiException pve && pve.Says("does not exist"))
        {
            // Already gone: what delete wanted.
        }
    }

    public void Dispose()
    {
        _api.Dispose();
        _services.Dispose();
    }

    /// <summary>Picks the smallest free vmid and clones the template into it, again with a fresh pick when another client took it first.</summary>
    private async Task<int> CloneAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            int vmid;
            try
            {
                var used = await _api.UsedVmidsAsync(ct);
                vmid = Enumerable.Range(_options.FirstVmid, int.MaxValue - _options.FirstVmid).First(id => !used.Contains(id));
            }
            catch (PveApiException e)
            {
                throw new ProviderException(Name, "pick vmid", null, e.Message, e);
            }
            try
            {
                await RunTaskAsync("clone", vmid.ToString(CultureInfo.InvariantCulture),
                    () => _api.CloneAsync(_options.TemplateVmid, vmid, $"cmux-{vmid}", ct), ct);
                return vmid;
            }
            catch (ProviderException e) when (attempt < _options.CloneAttempts && e.InnerException is PveApiException pve && pve.Says("already exists"))
            {
                // Another client took this vmid between our look and our clone.
            }
        }
    }

    /// <summary>Starts a task and polls it to its end; anything but stopped+OK fails the step.</summary>
    private async Task RunTaskAsync(string step, string sandbox, Func<Task<string>> start, CancellationToken ct)
    {
        string upid;
        try
        {
            upid = await start();
        }
        catch (PveApiException e)
        {
            throw new ProviderException(Name, step, sandbox, e.Message, e);
        }
        PveTaskStatus status;
        try
        {
            status = await _api.WaitForTaskAsync(upid, _options.PollInterval, _options.TaskTimeout, ct);
        }
        catch (Exception e) when (e is PveApiException or TimeoutException)
        {
            throw new ProviderException(Name, $"{step} task", sandbox, e.Message, e);
        }
        if (!status.Succeeded)
        {
            throw new ProviderException(Name, $"{step} task", sandbox, $"{upid} ended with '{status.ExitStatus}'");
        }
    }

    private int Vmid(SandboxHandle sandbox) =>
        sandbox.Provider == Name && int.TryParse(sandbox.Id, CultureInfo.InvariantCulture, out var vmid)
            ? vmid
            : throw new ProviderException(Name, "resolve", sandbox.Id, $"not a PVE sandbox ({sandbox.Provider})");
}

/// <summary>The seed execd's request and reply (contracts.md section 4, v1).</summary>
internal sealed record ExecBody(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("cwd"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cwd,
    [property: JsonPropertyName("env"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Env,
    [property: JsonPropertyName("timeout_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimeoutMs);

internal sealed record ExecReply(
    [property: JsonPropertyName("stdout")] string? Stdout,
    [property: JsonPropertyName("stderr")] string? Stderr,
    [property: JsonPropertyName("exitCode")] int ExitCode);

[JsonSerializable(typeof(ExecBody))]
[JsonSerializable(typeof(ExecReply))]
internal sealed partial class ExecJson : JsonSerializerContext;

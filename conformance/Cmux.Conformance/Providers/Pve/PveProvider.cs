using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Http;
using Cmux.Contract;
using Cmux.Provisioning;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// cmux's PVE LXC provider, step by step (docs/contracts.md §6): the smallest free vmid from
/// 200, a linked clone of the template (retried when the vmid was taken meanwhile), start, each
/// task polled until it stopped with <c>OK</c>; services at <c>https://port-{port}-vm-{vmid}.{domain}</c>
/// (seed profile) or <c>https://port-{port}-{instanceId}.{domain}</c> (cmux profile); exec through
/// execd on port 39375 in the profile's wire format; delete as stop then <c>DELETE force=1&amp;purge=1</c>.
/// Every failure is a <see cref="ProviderException"/> naming the step, the vmid and PVE's message.
/// </summary>
public sealed class PveProvider : ISandboxProvider, IDisposable
{
    private readonly PveProviderOptions _options;
    private readonly PveApiClient _api;
    private readonly HttpClient _services;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _execdTokens = new();

    public PveProvider(PveProviderOptions options)
    {
        _options = options;
        _api = new PveApiClient(options);
        IsCmux = options.Profile == Profiles.Cmux;
        // Caddy answers 502 when the upstream name does not resolve or refuses (docs/contracts.md §5).
        Documented = new ProviderContract(
            IsCmux ? UrlPatterns.CmuxHostRegex(options.Domain) : UrlPatterns.SeedHostRegex(options.Domain),
            options.Domain,
            UnknownSandboxStatus: HttpStatusCode.BadGateway,
            ClosedPortStatus: HttpStatusCode.BadGateway,
            Nonexistent: new SandboxHandle(Name, "65000", TimeSpan.Zero),
            options.EdgeWebSocketIdleTimeout);
        // Exec timeouts are the command's; the HTTP call must outlive them.
        _services = new HttpClient(CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Name => "pve";

    /// <summary>The cmux profile: instance-id hostnames and URLs, NDJSON exec.</summary>
    public bool IsCmux { get; }

    public PveApiClient Api => _api;

    public IReadOnlyDictionary<string, string> AuthHeaders => _options.AccessHeaders;

    public Provisioning.ProvisioningOptions? Tunnel => _options.Tunnel;

    public PublicRoute Route => _options.Route;

    public ProviderContract Documented { get; }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["api"] = _options.ApiUrl.GetLeftPart(UriPartial.Path),
        ["node"] = _options.Node,
        ["template"] = _options.TemplateVmid.ToString(CultureInfo.InvariantCulture),
        ["urls"] = $"{_options.PublicScheme}://{(IsCmux ? UrlPatterns.CmuxTemplate : UrlPatterns.SeedTemplate).Replace("{domain}", _options.Domain, StringComparison.Ordinal)}",
        ["connect to"] = _options.Route.ConnectTo is { } to ? $"{to.Host}:{to.Port}" : "DNS",
        ["profile"] = IsCmux ? Profiles.Cmux : Profiles.Seed,
        ["access"] = AuthHeaders.Count > 0 ? "service token" : "none",
    };

    /// <summary>Access and the tunnel belong to the PVE stack; whether this run can use them depends on its settings.</summary>
    public Support Supports(Capability capability) => capability switch
    {
        _ when capability == Capability.CloudflareAccess => AuthHeaders.Count > 0
            ? Support.Yes
            : Support.Lacking("no Access service token configured (CMUX_ACCESS_CLIENT_ID, CMUX_ACCESS_CLIENT_SECRET)"),
        _ when capability == Capability.TunnelProvisioning => _options.Tunnel is not null
            ? Support.Yes
            : Support.Lacking("no Cloudflare account configured (CF_API_TOKEN, CF_ACCOUNT_ID, CF_ZONE_ID)"),
        _ when capability == Capability.WebSocketIdleTimeout => _options.EdgeWebSocketIdleTimeout is not null
            ? Support.Yes
            : Support.Lacking("the edge's websocket idle timeout is not known for this run"),
        _ when capability == Capability.PauseResume => Support.Yes,
        _ => Support.No($"pve does not know capability '{capability.Name}'"),
    };

    public async Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var vmid = await CloneAsync(cancellationToken);
        var sandbox = vmid.ToString(CultureInfo.InvariantCulture);
        try
        {
            // The mark is in the description from the clone on; tags make it visible in PVE's UI and lists.
            await _api.SetConfigAsync(vmid, [new("tags", _options.Mark.PveTags)], cancellationToken);
        }
        catch (PveApiException e)
        {
            throw new ProviderException(Name, "tag", sandbox, e.Message, e);
        }
        if (IsCmux)
        {
            await InjectExecdTokenAsync(vmid, cancellationToken);
        }
        await RunTaskAsync("start", sandbox, () => _api.StartAsync(vmid, cancellationToken), cancellationToken);
        if (_options.ReadyTimeout is { } readyTimeout)
        {
            await WaitUntilReachableAsync(new SandboxHandle(Name, sandbox, started.Elapsed), readyTimeout, cancellationToken);
        }
        return new SandboxHandle(Name, sandbox, started.Elapsed);
    }

    /// <summary>
    /// A started container is not yet reachable by its name: the router resolves it through the
    /// LAN's DNS, which learns a new name late (Caddy's Go resolver re-reads /etc/hosts only every
    /// 5 s). Ready means exec answers through the public URL; a gateway error or a refused
    /// connection means not yet. Whatever execd answers (200, 401, 400) proves the chain.
    /// </summary>
    private async Task WaitUntilReachableAsync(SandboxHandle sandbox, TimeSpan timeout, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            string last;
            try
            {
                var status = await SendRawExecAsync(sandbox, """{"command":"true"}""", ct);
                if ((int)status is not (502 or 503 or 504))
                {
                    return;
                }
                last = $"the public URL answered {(int)status}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            if (waited.Elapsed >= timeout)
            {
                throw new ProviderException(Name, "ready", sandbox.Id,
                    $"exec did not answer through {UrlFor(sandbox, SandboxPorts.Execd)} within {timeout.TotalSeconds:F0} s of the start: {last}");
            }
            await Task.Delay(ReadyPoll, ct);
        }
    }

    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(200);

    public Uri UrlFor(SandboxHandle sandbox, int port) => new(IsCmux
        ? $"{_options.PublicScheme}://{UrlPatterns.CmuxHost(port, CmuxExecWire.InstanceId(Vmid(sandbox)), _options.Domain)}/"
        : $"{_options.PublicScheme}://{UrlPatterns.SeedHost(port, Vmid(sandbox), _options.Domain)}/");

    /// <summary>The container's hostname: <c>cmux-{vmid}</c> (seed) or its instance id (cmux).</summary>
    public string HostnameFor(int vmid) => IsCmux ? CmuxExecWire.InstanceId(vmid) : SandboxNames.Hostname(vmid);

    public HttpMessageHandler CreateHttpHandler() => ResolvingHandler.Create(_options.Route);

    /// <summary>The router proxies every port of the pattern; nothing to publish.</summary>
    public Task PublishAsync(SandboxHandle sandbox, int port, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken)
    {
        if (IsCmux)
        {
            return await CmuxExecAsync(sandbox, request, cancellationToken);
        }
        var body = new ExecBody(
            request.Command,
            request.WorkingDirectory,
            request.Environment,
            request.Timeout is { } t ? (long)t.TotalMilliseconds : null);
        try
        {
            using var response = await PostExecAsync(sandbox, JsonContent.Create(body, ExecJson.Default.ExecBody), cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ProviderException(Name, "exec", sandbox.Id, $"execd answered {(int)response.StatusCode}: {text}");
            }
            var result = JsonSerializer.Deserialize(text, ExecJson.Default.ExecReply)
                ?? throw new ProviderException(Name, "exec", sandbox.Id, "execd answered an empty body");
            return new ExecResult(result.ExitCode, result.Stdout ?? "", result.Stderr ?? "",
                result.ExitCode == ExecContract.TimeoutExitCode, WireShape.Describe(response, text));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            throw new ProviderException(Name, "exec", sandbox.Id, e.Message, e);
        }
    }

    /// <summary>
    /// cmux's per-clone execd token, before the first start (the hook that applies it runs at
    /// pre-start): the container's <c>env</c> where PVE has it (9.1+), else, when PVE 8 refuses
    /// <c>env</c> with 400, a marker line in the description that the template's inherited
    /// hookscript reads. Exec then presents it as a bearer token.
    /// </summary>
    private async Task InjectExecdTokenAsync(int vmid, CancellationToken ct)
    {
        var token = CmuxExecWire.NewToken();
        try
        {
            try
            {
                await _api.SetConfigAsync(vmid, [new("env", $"{CmuxExecWire.TokenEnvKey}={token}")], ct);
            }
            catch (PveApiException e) when (e.Status == HttpStatusCode.BadRequest)
            {
                var config = await _api.ConfigAsync(vmid, ct);
                var description = config.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
                await _api.SetConfigAsync(vmid, [new("description", CmuxExecWire.WithTokenMarker(description, token))], ct);
            }
        }
        catch (PveApiException e)
        {
            throw new ProviderException(Name, "execd token", vmid.ToString(CultureInfo.InvariantCulture), e.Message, e);
        }
        _execdTokens[vmid] = token;
    }

    /// <summary>The token this run injected, or the one the container's configuration carries (a sandbox of another process).</summary>
    private async Task<string?> ExecdTokenAsync(int vmid, CancellationToken ct)
    {
        if (_execdTokens.TryGetValue(vmid, out var known))
        {
            return known;
        }
        try
        {
            var config = await _api.ConfigAsync(vmid, ct);
            var token = CmuxExecWire.TokenIn(
                config.TryGetProperty("env", out var env) ? env.GetString() : null,
                config.TryGetProperty("description", out var d) ? d.GetString() : null);
            if (token is not null)
            {
                _execdTokens[vmid] = token;
            }
            return token;
        }
        catch (PveApiException)
        {
            // No configuration to read it from: exec goes without, and execd says whether it needed one.
            return null;
        }
    }

    private async Task<ExecResult> CmuxExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var token = await ExecdTokenAsync(Vmid(sandbox), cancellationToken);
            using var response = await PostExecAsync(sandbox, new StringContent(CmuxExecWire.Body(request), Encoding.UTF8, "application/json"), cancellationToken, token);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ProviderException(Name, "exec", sandbox.Id, $"execd answered {(int)response.StatusCode}: {text}");
            }
            var (exit, stdout, stderr) = CmuxExecWire.Read(text);
            return new ExecResult(exit, stdout, stderr, exit == ExecContract.TimeoutExitCode, WireShape.Describe(response, text));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            throw new ProviderException(Name, "exec", sandbox.Id, e.Message, e);
        }
    }

    public async Task<HttpStatusCode> SendRawExecAsync(SandboxHandle sandbox, string body, CancellationToken cancellationToken)
    {
        var token = IsCmux ? await ExecdTokenAsync(Vmid(sandbox), cancellationToken) : null;
        using var response = await PostExecAsync(sandbox, new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken, token);
        return response.StatusCode;
    }

    public async Task<string?> StatusAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        try
        {
            var current = await _api.CurrentAsync(Vmid(sandbox), cancellationToken);
            return current.GetProperty("status").GetString();
        }
        catch (PveApiException e) when (e.Says("does not exist"))
        {
            return null;
        }
        catch (PveApiException e)
        {
            throw new ProviderException(Name, "status", sandbox.Id, e.Message, e);
        }
    }

    /// <summary>Privileges the run uses on <c>/vms</c>: clone, configure (tags, description), power, delete, read.</summary>
    public static readonly IReadOnlyList<string> VmPrivileges = ["VM.Audit", "VM.Clone", "VM.Allocate", "VM.Config.Options", "VM.PowerMgmt"];

    public async Task<IReadOnlyList<string>> PreflightAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        try
        {
            await _api.VersionAsync(cancellationToken);
        }
        catch (PveApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            return ["CMUX_PVE_TOKEN_ID / CMUX_PVE_TOKEN_SECRET: PVE refuses the API token (401)"];
        }
        catch (Exception e) when (e is PveApiException or HttpRequestException or TaskCanceledException)
        {
            return [$"CMUX_PVE_URL: the PVE API at {_options.ApiUrl} does not answer: {e.Message}"];
        }

        try
        {
            var granted = await GrantedAsync(cancellationToken);
            foreach (var privilege in VmPrivileges.Where(p => !granted.Contains(p)))
            {
                problems.Add($"CMUX_PVE_TOKEN_ID: the API token lacks privilege {privilege} on /vms (the role PVEVMAdmin on /vms has it)");
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is PveApiException or HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            // Without the list nothing says the run could delete what it creates, so it must not start.
            problems.Add($"CMUX_PVE_TOKEN_ID: the API token's privileges cannot be read (GET /access/permissions: {e.Message}); "
                + $"the run needs {string.Join(", ", VmPrivileges)} on /vms");
        }
        try
        {
            var template = await _api.ConfigAsync(_options.TemplateVmid, cancellationToken);
            if (!(template.TryGetProperty("template", out var flag) && flag.ToString() == "1"))
            {
                problems.Add($"CMUX_PVE_TEMPLATE: CT {_options.TemplateVmid} on node {_options.Node} is not a template (pct template {_options.TemplateVmid})");
            }
        }
        catch (PveApiException e)
        {
            problems.Add($"CMUX_PVE_TEMPLATE / CMUX_PVE_NODE: CT {_options.TemplateVmid} on node {_options.Node}: {e.Message}");
        }
        problems.AddRange(await PublicUrlProblemsAsync(cancellationToken));
        return problems;
    }

    /// <summary>Privileges the token holds on <c>/vms</c>, by propagation from <c>/</c> too.</summary>
    private async Task<HashSet<string>> GrantedAsync(CancellationToken ct)
    {
        var permissions = await _api.PermissionsAsync(ct);
        return permissions.EnumerateObject()
            .Where(path => path.Name is "/" or "/vms")
            .SelectMany(path => path.Value.EnumerateObject().Select(p => p.Name))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A URL of the domain must answer (any status: a sandbox that does not exist gets the router's answer), and Access must take the token.</summary>
    private async Task<IReadOnlyList<string>> PublicUrlProblemsAsync(CancellationToken ct)
    {
        var url = UrlFor(Documented.Nonexistent, SandboxPorts.VsCode);
        using var client = new HttpClient(CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(20) };
        foreach (var (name, value) in AuthHeaders)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await client.GetAsync(url, ct);
            if (AuthHeaders.Count > 0 && response.StatusCode is HttpStatusCode.Found or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
            {
                return [$"CMUX_ACCESS_CLIENT_ID / CMUX_ACCESS_CLIENT_SECRET: Access refuses the service token at {url.Host} ({(int)response.StatusCode})"];
            }
            return [];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [$"CMUX_DOMAIN / CMUX_CONNECT_TO / CMUX_CA_FILE: {url} does not answer: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}"];
        }
    }

    public async Task<IReadOnlyList<string>> SweepAsync(Func<SandboxMark, bool> select, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        JsonElement containers;
        try
        {
            containers = await _api.ContainersAsync(cancellationToken);
        }
        catch (PveApiException e)
        {
            throw new ProviderException(Name, "sweep (list)", null, e.Message, e);
        }
        foreach (var container in containers.EnumerateArray())
        {
            var vmid = container.GetProperty("vmid").GetInt32();
            if (container.TryGetProperty("template", out var template) && template.ToString() == "1")
            {
                continue;
            }
            SandboxMark? mark;
            try
            {
                var config = await _api.ConfigAsync(vmid, cancellationToken);
                mark = SandboxMark.FromDescription(config.TryGetProperty("description", out var d) ? d.GetString() : null);
            }
            catch (PveApiException e) when (e.Says("does not exist"))
            {
                continue;
            }
            if (mark is not null && select(mark))
            {
                var handle = new SandboxHandle(Name, vmid.ToString(CultureInfo.InvariantCulture), TimeSpan.Zero);
                await DeleteAsync(handle, cancellationToken);
                deleted.Add(handle.Id);
            }
        }
        return deleted;
    }

    private Task<HttpResponseMessage> PostExecAsync(SandboxHandle sandbox, HttpContent content, CancellationToken ct, string? bearer = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(UrlFor(sandbox, SandboxPorts.Execd), "exec")) { Content = content };
        if (bearer is not null)
        {
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }
        foreach (var (name, value) in AuthHeaders)
        {
            message.Headers.Add(name, value);
        }
        return _services.SendAsync(message, ct);
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
                    () => _api.CloneAsync(_options.TemplateVmid, vmid, HostnameFor(vmid), _options.Mark.Now().DescriptionLine, ct), ct);
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

/// <summary>The seed execd's request and reply (docs/contracts.md §4, v1).</summary>
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

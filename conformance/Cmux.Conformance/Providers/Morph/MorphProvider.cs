using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Http;
using Cmux.Contract;

namespace Cmux.Conformance.Providers.Morph;

/// <summary>
/// Morph Cloud as cmux drives it: start an instance from a snapshot, poll it every second until
/// ready, expose each cmux port as the service <c>port-{port}</c>, and use the URLs Morph returns
/// (<c>port-{port}-morphvm-{id}.http.cloud.morph.so</c>). Exec is <c>POST /instance/{id}/exec</c>.
/// Morph has no stop that keeps an instance: <see cref="StopAsync"/> deletes it, as Morph's
/// own "stop" does.
/// </summary>
public sealed partial class MorphProvider(MorphProviderOptions options) : ISandboxProvider, IDisposable
{
    /// <summary>The exit code reported for a timed-out exec: Morph's client throws and no code exists.</summary>
    public const int NoExitCode = -1;

    /// <summary>What the checks hold Morph to: its gateway answers 404 for an unknown instance or port.</summary>
    public ProviderContract Documented { get; } = new(
        UrlPatterns.MorphHostRegex(options.GatewayDomain),
        options.GatewayDomain,
        UnknownSandboxStatus: HttpStatusCode.NotFound,
        ClosedPortStatus: HttpStatusCode.NotFound,
        Nonexistent: new SandboxHandle(ProviderNames.Morph, "morphvm_doesnotexist", TimeSpan.Zero));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly HttpClient _api = new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = options.ApiBaseUrl,
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey) },
    };

    private readonly ConcurrentDictionary<(string Instance, int Port), Uri> _serviceUrls = new();

    public string Name => ProviderNames.Morph;

    public MorphProviderOptions Options => options;

    public IReadOnlyDictionary<string, string> AuthHeaders { get; } = new Dictionary<string, string>();

    public PublicRoute Route => options.Route;

    /// <summary>Morph's URLs are its own, not published through a tunnel the suite provisions.</summary>
    public Provisioning.ProvisioningOptions? Tunnel => null;

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["api"] = options.ApiBaseUrl.GetLeftPart(UriPartial.Path),
        ["gateway domain"] = options.GatewayDomain,
        ["connect to"] = options.Route.ConnectTo is { } to ? $"{to.Host}:{to.Port}" : "DNS",
        ["snapshot"] = options.SnapshotId,
        ["url pattern"] = UrlPatterns.MorphTemplate.Replace("{domain}", options.GatewayDomain, StringComparison.Ordinal),
        ["exec"] = "POST /instance/{id}/exec",
    };

    public Support Supports(Capability capability) => capability switch
    {
        _ when capability == Capability.CloudflareAccess => Support.No("Morph has no Cloudflare Access: its service URLs are public or take the API key"),
        _ when capability == Capability.TunnelProvisioning => Support.No("Morph publishes its own URLs; there is no tunnel to provision"),
        _ when capability == Capability.WebSocketIdleTimeout => Support.No("Morph documents no idle timeout for websockets"),
        _ when capability == Capability.PauseResume => Support.Yes,
        _ => Support.No($"morph does not know capability '{capability.Name}'"),
    };

    public HttpMessageHandler CreateHttpHandler() => ResolvingHandler.Create(options.Route);

    public async Task<SandboxHandle> CreateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var body = new { metadata = options.Mark.Now().MorphMetadata, ttl_seconds = options.TtlSeconds, ttl_action = "stop" };
        var instance = await SendAsync<MorphInstance>(HttpMethod.Post, $"instance?snapshot_id={Uri.EscapeDataString(options.SnapshotId)}",
            body, "start", null, cancellationToken);
        try
        {
            await WaitForStatusAsync(instance.Id, "ready", "wait until ready", cancellationToken);
            foreach (var port in options.Ports)
            {
                var exposed = await SendAsync<MorphInstance>(HttpMethod.Post, $"instance/{instance.Id}/http",
                    new { name = ServiceName(port), port, auth_mode = "none" }, $"expose port {port}", instance.Id, cancellationToken);
                Remember(exposed);
            }
        }
        catch (Exception e) when (e is ProviderException or OperationCanceledException)
        {
            // A half-made instance is deleted, so a failed run leaves nothing behind.
            try
            {
                await DeleteAsync(instance.Id, CancellationToken.None);
            }
            catch (ProviderException cleanup)
            {
                throw new ProviderException(Name, "create", instance.Id, $"{e.Message}; deleting it failed too: {cleanup.Message}", e);
            }
            throw;
        }
        return new SandboxHandle(Name, instance.Id, started.Elapsed);
    }

    public Uri UrlFor(SandboxHandle sandbox, int port) =>
        _serviceUrls.TryGetValue((sandbox.Id, port), out var url)
            ? url
            : new Uri($"https://{UrlPatterns.MorphHost(ServiceName(port), sandbox.Id, options.GatewayDomain)}/");

    public async Task PublishAsync(SandboxHandle sandbox, int port, CancellationToken cancellationToken)
    {
        if (_serviceUrls.ContainsKey((sandbox.Id, port)))
        {
            return;
        }
        Remember(await SendAsync<MorphInstance>(HttpMethod.Post, $"instance/{sandbox.Id}/http",
            new { name = ServiceName(port), port, auth_mode = "none" }, $"expose port {port}", sandbox.Id, cancellationToken));
    }

    public async Task<ExecResult> ExecAsync(SandboxHandle sandbox, ExecRequest request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Timeout is { } timeout)
        {
            deadline.CancelAfter(timeout);
        }
        try
        {
            // Morph's exec takes a list of strings; as both SDKs do, one string is a list of one, run by a shell.
            var (text, wire) = await SendForTextAsync(HttpMethod.Post, $"instance/{sandbox.Id}/exec",
                new { command = new[] { ShellCommand(request) } }, "exec", sandbox.Id, deadline.Token, useApiTimeout: false);
            var result = JsonSerializer.Deserialize<MorphExecResult>(text, Json)
                ?? throw new ProviderException(Name, "exec", sandbox.Id, "empty answer");
            return new ExecResult(result.ExitCode, result.Stdout, result.Stderr, Wire: wire);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ExecResult(NoExitCode, "", "", TimedOut: true);
        }
    }

    public async Task<HttpStatusCode> SendRawExecAsync(SandboxHandle sandbox, string body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _api.PostAsync($"instance/{sandbox.Id}/exec", content, cancellationToken);
        return response.StatusCode;
    }

    public async Task<string?> StatusAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync<MorphInstance>(HttpMethod.Get, $"instance/{sandbox.Id}", null, "status", sandbox.Id, cancellationToken)).Status;
        }
        catch (ProviderException e) when (e.InnerException is HttpRequestException { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> PreflightAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync<JsonElement>(HttpMethod.Get, "instance?limit=1", null, "preflight", null, cancellationToken);
        }
        catch (ProviderException e) when (e.InnerException is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden })
        {
            return ["MORPH_API_KEY: Morph refuses the API key"];
        }
        catch (ProviderException e)
        {
            return [$"MORPH_API_URL: Morph's API at {options.ApiBaseUrl} does not answer: {e.Message}"];
        }
        var problems = new List<string>();
        try
        {
            await SendAsync<JsonElement>(HttpMethod.Get, $"snapshot/{Uri.EscapeDataString(options.SnapshotId)}", null, "preflight", null, cancellationToken);
        }
        catch (ProviderException e)
        {
            problems.Add($"MORPH_SNAPSHOT_ID: snapshot {options.SnapshotId}: {e.Message}");
        }
        var url = UrlFor(Documented.Nonexistent, SandboxPorts.VsCode);
        try
        {
            using var client = new HttpClient(CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(20) };
            using var response = await client.GetAsync(url, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            problems.Add($"MORPH_GATEWAY_DOMAIN / MORPH_CONNECT_TO / CMUX_CA_FILE: {url} does not answer: {e.Message}");
        }
        return problems;
    }

    public async Task<IReadOnlyList<string>> SweepAsync(Func<SandboxMark, bool> select, CancellationToken cancellationToken)
    {
        var listed = await SendAsync<JsonElement>(HttpMethod.Get, $"instance?metadata[created-by]={SandboxMark.Tag}", null, "sweep (list)", null, cancellationToken);
        var instances = listed.ValueKind == JsonValueKind.Array ? listed : listed.GetProperty("data");
        var deleted = new List<string>();
        foreach (var instance in instances.EnumerateArray())
        {
            var metadata = instance.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
                ? m.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
                : null;
            if (SandboxMark.FromMetadata(metadata) is { } mark && select(mark))
            {
                var id = instance.GetProperty("id").GetString()!;
                await DeleteAsync(id, cancellationToken);
                deleted.Add(id);
            }
        }
        return deleted;
    }

    public Task PauseAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        MoveAsync(sandbox.Id, "pause", "paused", cancellationToken);

    public Task ResumeAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        MoveAsync(sandbox.Id, "resume", "ready", cancellationToken);

    /// <summary>Morph's stop destroys the instance; there is no halted state to come back from.</summary>
    public Task StopAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => DeleteAsync(sandbox.Id, cancellationToken);

    public Task DeleteAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => DeleteAsync(sandbox.Id, cancellationToken);

    public void Dispose() => _api.Dispose();

    public static string ServiceName(int port) => UrlPatterns.MorphServiceName(port);

    /// <summary>Morph's exec takes only a command: the working directory and environment become a prologue.</summary>
    public static string ShellCommand(ExecRequest request) => ShellPrologue.Wrap(request);

    private async Task MoveAsync(string id, string action, string status, CancellationToken ct)
    {
        await SendAsync<MorphInstance>(HttpMethod.Post, $"instance/{id}/{action}", null, action, id, ct);
        await WaitForStatusAsync(id, status, $"wait until {status}", ct);
    }

    private async Task DeleteAsync(string id, CancellationToken ct)
    {
        try
        {
            // Morph answers 204 with no body: nothing to read.
            await SendForTextAsync(HttpMethod.Delete, $"instance/{id}", null, "delete", id, ct);
        }
        catch (ProviderException e) when (e.InnerException is HttpRequestException { StatusCode: HttpStatusCode.NotFound })
        {
            // Already gone: deleting is idempotent for the suite.
        }
        _serviceUrls.Keys.Where(k => k.Instance == id).ToList().ForEach(k => _serviceUrls.TryRemove(k, out _));
    }

    private async Task WaitForStatusAsync(string id, string status, string step, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var instance = await SendAsync<MorphInstance>(HttpMethod.Get, $"instance/{id}", null, step, id, ct);
            if (instance.Status == status)
            {
                Remember(instance);
                return;
            }
            if (instance.Status == "error")
            {
                throw new ProviderException(Name, step, id, "the instance is in status error");
            }
            if (waited.Elapsed > options.ReadyTimeout)
            {
                throw new ProviderException(Name, step, id, $"still {instance.Status} after {options.ReadyTimeout}");
            }
            await Task.Delay(options.PollInterval, ct);
        }
    }

    private void Remember(MorphInstance instance)
    {
        foreach (var service in instance.Networking?.HttpServices ?? [])
        {
            _serviceUrls[(instance.Id, service.Port)] = new Uri(service.Url);
        }
    }

    private async Task<T> SendAsync<T>(
        HttpMethod method, string path, object? body, string step, string? sandbox, CancellationToken ct, bool useApiTimeout = true)
    {
        var (text, _) = await SendForTextAsync(method, path, body, step, sandbox, ct, useApiTimeout);
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json) ?? throw new ProviderException(Name, step, sandbox, "empty answer");
        }
        catch (JsonException e)
        {
            throw new ProviderException(Name, step, sandbox, $"unreadable answer: {e.Message}", e);
        }
    }

    /// <summary>Sends a call and returns the body of a 2xx answer and its wire shape; anything else is a <see cref="ProviderException"/>.</summary>
    private async Task<(string Body, string Wire)> SendForTextAsync(
        HttpMethod method, string path, object? body, string step, string? sandbox, CancellationToken ct, bool useApiTimeout = true)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (useApiTimeout)
        {
            deadline.CancelAfter(options.ApiTimeout);
        }
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        HttpResponseMessage response;
        try
        {
            response = await _api.SendAsync(request, deadline.Token);
        }
        catch (HttpRequestException e)
        {
            throw new ProviderException(Name, step, sandbox, e.Message, e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ProviderException(Name, step, sandbox, $"no answer within {options.ApiTimeout}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var detail = await response.Content.ReadAsStringAsync(deadline.Token);
                var status = $"{(int)response.StatusCode} {response.StatusCode}";
                throw new ProviderException(Name, step, sandbox, $"{status}: {detail}",
                    new HttpRequestException(detail, null, response.StatusCode));
            }
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            return (text, WireShape.Describe(response, text));
        }
    }


    private sealed record MorphInstance(string Id, string Status, MorphNetworking? Networking);

    private sealed record MorphNetworking(IReadOnlyList<MorphService>? HttpServices);

    private sealed record MorphService(string Name, int Port, string Url);

    private sealed record MorphExecResult(int ExitCode, string Stdout, string Stderr);
}

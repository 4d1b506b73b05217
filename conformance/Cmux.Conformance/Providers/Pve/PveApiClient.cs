using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>A task's state as <c>tasks/{upid}/status</c> reports it.</summary>
public sealed record PveTaskStatus(string Upid, string Status, string? ExitStatus)
{
    public bool Running => Status == "running";

    /// <summary>cmux's rule: only a stopped task with exit status <c>OK</c> succeeded.</summary>
    public bool Succeeded => Status == "stopped" && ExitStatus == "OK";
}

/// <summary>
/// The PVE API as cmux's client speaks it: an API token, form-encoded POST/PUT (no body when there
/// are no parameters), query-string GET/DELETE, booleans as 1/0, UPIDs unencoded in task paths.
/// Errors become <see cref="PveApiException"/> with PVE's message.
/// </summary>
public sealed class PveApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _node;

    public PveApiClient(PveProviderOptions options)
    {
        var handler = options.ApiHandler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = options.AcceptAnyApiCertificate
                    ? (_, _, _, _) => true
                    : options.ApiTrust is { } roots ? (_, certificate, _, errors) => roots.Validate(certificate, errors) : null,
            },
        };
        _http = new HttpClient(handler, disposeHandler: options.ApiHandler is null)
        {
            BaseAddress = new Uri(options.ApiUrl.ToString().TrimEnd('/') + "/api2/json/"),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("PVEAPIToken", $"{options.TokenId}={options.TokenSecret}");
        foreach (var (name, value) in options.AccessHeaders)
        {
            _http.DefaultRequestHeaders.Add(name, value);
        }
        _node = options.Node;
    }

    public Task<JsonElement> GetAsync(string path, IEnumerable<KeyValuePair<string, string>>? query = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, WithQuery(path, query), null, ct);

    public Task<JsonElement> PostAsync(string path, IEnumerable<KeyValuePair<string, string>>? form = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, form, ct);

    public Task<JsonElement> PutAsync(string path, IEnumerable<KeyValuePair<string, string>> form, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, path, form, ct);

    public Task<JsonElement> DeleteAsync(string path, IEnumerable<KeyValuePair<string, string>>? query = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, WithQuery(path, query), null, ct);

    /// <summary>Every vmid in use on the cluster, LXC and QEMU (templates included).</summary>
    public async Task<IReadOnlySet<int>> UsedVmidsAsync(CancellationToken ct = default)
    {
        var resources = await GetAsync("cluster/resources", [new("type", "vm")], ct);
        return resources.EnumerateArray()
            .Where(r => r.GetProperty("type").GetString() is "lxc" or "qemu")
            .Select(r => r.GetProperty("vmid").GetInt32())
            .ToHashSet();
    }

    public async Task<string> CloneAsync(int source, int newid, string hostname, string? description = null, CancellationToken ct = default) =>
        Upid(await PostAsync($"{Lxc(source)}/clone",
            [new("newid", Text(newid)), new("hostname", hostname), new("full", "0"), .. description is null ? [] : new KeyValuePair<string, string>[] { new("description", description) }],
            ct));

    /// <summary><c>PUT config</c>: synchronous, answers null.</summary>
    public Task SetConfigAsync(int vmid, IEnumerable<KeyValuePair<string, string>> settings, CancellationToken ct = default) =>
        PutAsync($"{Lxc(vmid)}/config", settings, ct);

    public Task<JsonElement> ConfigAsync(int vmid, CancellationToken ct = default) => GetAsync($"{Lxc(vmid)}/config", ct: ct);

    /// <summary>The node's containers: <c>vmid</c>, <c>status</c>, <c>tags</c>, <c>template</c>.</summary>
    public Task<JsonElement> ContainersAsync(CancellationToken ct = default) => GetAsync($"nodes/{_node}/lxc", ct: ct);

    public Task<JsonElement> VersionAsync(CancellationToken ct = default) => GetAsync("version", ct: ct);

    /// <summary>The caller's own privileges, by ACL path: <c>{"/vms": {"VM.Audit": 1}}</c>.</summary>
    public Task<JsonElement> PermissionsAsync(CancellationToken ct = default) => GetAsync("access/permissions", ct: ct);

    public async Task<string> StartAsync(int vmid, CancellationToken ct = default) => Upid(await PostAsync($"{Lxc(vmid)}/status/start", ct: ct));

    public async Task<string> StopAsync(int vmid, CancellationToken ct = default) => Upid(await PostAsync($"{Lxc(vmid)}/status/stop", ct: ct));

    public async Task<string> SuspendAsync(int vmid, CancellationToken ct = default) => Upid(await PostAsync($"{Lxc(vmid)}/status/suspend", ct: ct));

    public async Task<string> ResumeAsync(int vmid, CancellationToken ct = default) => Upid(await PostAsync($"{Lxc(vmid)}/status/resume", ct: ct));

    /// <summary>cmux's delete: <c>force=1&amp;purge=1</c>.</summary>
    public async Task<string> DestroyAsync(int vmid, CancellationToken ct = default) =>
        Upid(await DeleteAsync(Lxc(vmid), [new("force", "1"), new("purge", "1")], ct));

    /// <summary><c>status/current</c>: <c>status</c> is <c>running</c> or <c>stopped</c>.</summary>
    public Task<JsonElement> CurrentAsync(int vmid, CancellationToken ct = default) => GetAsync($"{Lxc(vmid)}/status/current", ct: ct);

    public async Task<PveTaskStatus> TaskStatusAsync(string upid, CancellationToken ct = default)
    {
        var status = await GetAsync($"nodes/{_node}/tasks/{upid}/status", ct: ct);
        return new PveTaskStatus(
            upid,
            status.GetProperty("status").GetString()!,
            status.TryGetProperty("exitstatus", out var exit) ? exit.GetString() : null);
    }

    /// <summary>Polls until the task stops; throws <see cref="TimeoutException"/> when it runs past <paramref name="timeout"/>.</summary>
    public async Task<PveTaskStatus> WaitForTaskAsync(string upid, TimeSpan interval, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await TaskStatusAsync(upid, ct);
            if (!status.Running)
            {
                return status;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"task {upid} still running after {timeout.TotalSeconds:0.#} s");
            }
            await Task.Delay(interval, ct);
        }
    }

    public void Dispose() => _http.Dispose();

    private string Lxc(int vmid) => $"nodes/{_node}/lxc/{Text(vmid)}";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Upid(JsonElement data) => data.GetString() ?? throw new InvalidOperationException("PVE answered no task id");

    private static string WithQuery(string path, IEnumerable<KeyValuePair<string, string>>? query) =>
        query is null ? path : $"{path}?{string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"))}";

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string>>? form, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        var fields = form?.ToList();
        if (fields is { Count: > 0 })
        {
            request.Content = new FormUrlEncodedContent(fields);
        }
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        using var document = body.Length == 0 ? null : TryParse(body);
        if (response.IsSuccessStatusCode && document is not null)
        {
            return document.RootElement.GetProperty("data").Clone();
        }
        var message = document?.RootElement.TryGetProperty("message", out var m) == true && m.GetString() is { } text
            ? text.TrimEnd()
            : response.ReasonPhrase ?? response.StatusCode.ToString();
        var errors = document?.RootElement.TryGetProperty("errors", out var e) == true && e.ValueKind == JsonValueKind.Object
            ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString())
            : [];
        throw new PveApiException(response.StatusCode, $"{(int)response.StatusCode} {message}", errors);
    }

    private static JsonDocument? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Fakes.Sandbox.Client;

/// <summary>
/// The sandbox host's control API:
/// <code>
/// GET    /sandboxes                 list
/// GET    /sandboxes/{id}            one (404 when unknown)
/// PUT    /sandboxes/{id}            create, idempotent  {"hostname": "cmux-200"}  -> 201 or 200
/// POST   /sandboxes/{id}/start      start; answers when every port listens (ready)
///                                   optional body {"environment": {"CMUX_EXECD_AUTH_TOKEN": "..."}}
/// POST   /sandboxes/{id}/stop       stop every process, keep the workspace
/// POST   /sandboxes/{id}/pause      freeze processes (SIGSTOP), keep memory; /resume undoes it
/// DELETE /sandboxes/{id}            stop and remove, workspace included (404 when unknown)
/// </code>
/// Errors are <c>{"error": "..."}</c> with 400 (bad id), 404 (unknown) or 409 (wrong state).
/// </summary>
public sealed class SandboxHostClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public async Task<IReadOnlyList<SandboxInfo>> ListAsync(CancellationToken ct = default) =>
        await http.GetFromJsonAsync<List<SandboxInfo>>("sandboxes", Json, ct) ?? [];

    public async Task<SandboxInfo?> GetAsync(int id, CancellationToken ct = default)
    {
        using var response = await http.GetAsync($"sandboxes/{id}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        return await ReadAsync(response, ct);
    }

    public async Task<SandboxInfo> CreateAsync(int id, CreateSandboxRequest request, CancellationToken ct = default)
    {
        using var response = await http.PutAsJsonAsync($"sandboxes/{id}", request, Json, ct);
        return await ReadAsync(response, ct);
    }

    public async Task<SandboxInfo> StartAsync(int id, StartSandboxRequest? request = null, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync($"sandboxes/{id}/start", request ?? new StartSandboxRequest(), Json, ct);
        return await ReadAsync(response, ct);
    }

    public Task<SandboxInfo> StopAsync(int id, CancellationToken ct = default) => PostAsync(id, "stop", ct);

    public Task<SandboxInfo> PauseAsync(int id, CancellationToken ct = default) => PostAsync(id, "pause", ct);

    public Task<SandboxInfo> ResumeAsync(int id, CancellationToken ct = default) => PostAsync(id, "resume", ct);

    /// <summary>Deletes the sandbox; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(int id, CancellationToken ct = default)
    {
        using var response = await http.DeleteAsync($"sandboxes/{id}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, ct);
        return true;
    }

    private async Task<SandboxInfo> PostAsync(int id, string action, CancellationToken ct)
    {
        using var response = await http.PostAsync($"sandboxes/{id}/{action}", content: null, ct);
        return await ReadAsync(response, ct);
    }

    private static async Task<SandboxInfo> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<SandboxInfo>(Json, ct)
            ?? throw new SandboxHostException(response.StatusCode, "empty answer from the sandbox host");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct);
        string message;
        try
        {
            message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString() ?? body;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            message = body;
        }
        throw new SandboxHostException(response.StatusCode, message);
    }
}

public sealed class SandboxHostException(HttpStatusCode status, string message)
    : Exception($"sandbox host answered {(int)status}: {message}")
{
    public HttpStatusCode Status { get; } = status;
}

using System.Text.Json;
using Cmux.Fakes.Pve.Api;

namespace Cmux.Fakes.Pve.Tests;

/// <summary>
/// The PVE fake in-process on ephemeral loopback ports (HTTP and HTTPS), with tiny task durations
/// and auth delay and no sandbox host, for tests of the API itself. Extra settings are
/// <c>--Key=value</c> arguments.
/// </summary>
public sealed class PveFakeServer : IAsyncDisposable
{
    public const string TokenId = "root@pam!cmux";
    public static readonly string TokenSecret = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!;
    public static readonly string RootPassword = PveFakeApp.Defaults["Pve:Auth:Users:0:Password"]!;
    public static readonly TimeSpan TaskDuration = TimeSpan.FromMilliseconds(40);

    /// <summary>What every in-process fake gets: HTTPS beside HTTP, no sandboxes, tiny tasks, a short auth delay.</summary>
    public static readonly IReadOnlyList<string> Settings =
    [
        "--Pve:HttpsUrl=https://127.0.0.1:0",
        "--Pve:SandboxHost=",
        $"--Pve:Tasks:DefaultDuration={TaskDuration}",
        "--Pve:Auth:FailureDelay=00:00:00.05",
    ];

    private readonly InProcessApp _app;

    private PveFakeServer(InProcessApp app) => _app = app;

    public Uri Http => _app.Address("http");

    public Uri Https => _app.Address("https");

    public IServiceProvider Services => _app.Services;

    public static async Task<PveFakeServer> StartAsync(params string[] settings) =>
        new(await InProcessApp.StartAsync(PveFakeApp.Build, [.. Settings, .. settings]));

    /// <summary>A client of <c>/api2/json/</c> with the default token, or with <paramref name="authorization"/> (none when empty).</summary>
    public HttpClient Client(string? authorization = null, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = new Uri(Http, ApiDispatcher.Prefix + "/");
        var value = authorization ?? $"PVEAPIToken={TokenId}={TokenSecret}";
        if (value.Length > 0)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", value);
        }
        return client;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>PVE's envelope, read in tests.</summary>
public sealed record PveAnswer(int Status, string? Reason, string ContentType, JsonElement Body, string Raw)
{
    public JsonElement Data => Body.GetProperty("data");

    public string? Message => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("message", out var m) ? m.GetString() : null;

    public string? Error(string parameter) =>
        Body.TryGetProperty("errors", out var errors) && errors.TryGetProperty(parameter, out var e) ? e.GetString() : null;

    public static async Task<PveAnswer> ReadAsync(HttpResponseMessage response)
    {
        // As sent, read before anything parses it: the parsed form re-formats the media type ("; charset").
        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var type) ? type.ToString() : "";
        var raw = await response.Content.ReadAsStringAsync();
        return new PveAnswer(
            (int)response.StatusCode,
            response.ReasonPhrase,
            contentType,
            raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone(),
            raw);
    }
}

/// <summary>Short calls for tests: form-encoded writes, query reads, as cmux's client sends them.</summary>
public static class PveHttp
{
    public static async Task<PveAnswer> PveGetAsync(this HttpClient client, string path) =>
        await PveAnswer.ReadAsync(await client.GetAsync(path.TrimStart('/')));

    public static async Task<PveAnswer> SendFormAsync(this HttpClient client, HttpMethod method, string path, params (string Name, string Value)[] form)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (form.Length > 0)
        {
            request.Content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        }
        return await PveAnswer.ReadAsync(await client.SendAsync(request));
    }

    public static Task<PveAnswer> PvePostAsync(this HttpClient client, string path, params (string Name, string Value)[] form) =>
        client.SendFormAsync(HttpMethod.Post, path, form);

    public static Task<PveAnswer> PvePutAsync(this HttpClient client, string path, params (string Name, string Value)[] form) =>
        client.SendFormAsync(HttpMethod.Put, path, form);

    public static async Task<PveAnswer> PveDeleteAsync(this HttpClient client, string path) =>
        await PveAnswer.ReadAsync(await client.DeleteAsync(path.TrimStart('/')));

    /// <summary>Polls a task until it stops, within a deadline; returns its final status.</summary>
    public static async Task<JsonElement> WaitForTaskAsync(this HttpClient client, string upid, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var status = (await client.PveGetAsync($"nodes/pve/tasks/{upid}/status")).Data;
            if (status.GetProperty("status").GetString() == "stopped")
            {
                return status;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"task {upid} did not stop in time");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Runs a task-starting call and waits for the task; the call must succeed.</summary>
    public static async Task<JsonElement> RunTaskAsync(this HttpClient client, Task<PveAnswer> call)
    {
        var answer = await call;
        answer.Status.ShouldBe(200, answer.Raw);
        return await client.WaitForTaskAsync(answer.Data.GetString()!);
    }
}

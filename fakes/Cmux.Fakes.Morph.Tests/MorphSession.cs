using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cmux.Fakes.Morph.Tests;

/// <summary>One test's view of the fake's API: it starts instances and deletes every one of them at the end.</summary>
public sealed class MorphSession(MorphFakeFixture morph) : IAsyncDisposable
{
    private readonly List<string> _started = [];

    public HttpClient Api { get; } = morph.ApiClient();

    /// <summary>Starts an instance and answers the (pending) instance.</summary>
    public async Task<JsonElement> StartAsync(object? body = null)
    {
        using var response = await Api.PostAsJsonAsync($"instance?snapshot_id={MorphFakeFixture.Snapshot}", body ?? new { });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var instance = await response.Content.ReadFromJsonAsync<JsonElement>();
        _started.Add(instance.GetProperty("id").GetString()!);
        return instance;
    }

    public async Task<JsonElement> StartReadyAsync(object? body = null) =>
        await WaitForStatusAsync(Id(await StartAsync(body)), "ready");

    /// <summary>Polls the instance until it has <paramref name="status"/>, failing after a deadline.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string id, string status)
    {
        // Generous: a loaded machine starts sandboxes slowly; the wait ends as soon as the status shows.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var instance = await Api.GetFromJsonAsync<JsonElement>($"instance/{id}");
            if (instance.GetProperty("status").GetString() == status || DateTime.UtcNow > deadline)
            {
                instance.GetProperty("status").GetString().ShouldBe(status);
                return instance;
            }
            await Task.Delay(50);
        }
    }

    public static string Id(JsonElement instance) => instance.GetProperty("id").GetString()!;

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _started)
        {
            using var _ = await Api.DeleteAsync($"instance/{id}");
        }
        Api.Dispose();
    }
}

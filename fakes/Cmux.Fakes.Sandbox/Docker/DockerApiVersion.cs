using System.Net.Sockets;
using System.Text.Json;

namespace Cmux.Fakes.Sandbox.Docker;

/// <summary>
/// The API version Testcontainers talks, negotiated as the docker CLI does: Testcontainers sends its
/// client's version, which an older engine (Debian 12's docker.io 20.10 speaks 1.41) refuses, and it
/// then finds no engine at all. Unless <c>DOCKER_API_VERSION</c> is set, the engine's own version
/// (its unversioned <c>/version</c>) is put there, before Testcontainers reads its settings once.
/// </summary>
public static class DockerApiVersion
{
    public const string Variable = "DOCKER_API_VERSION";

    public static async Task NegotiateAsync(ILogger logger, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 })
        {
            return;
        }
        var socket = DockerSocket.Path();
        using var http = DockerSocket.Client(socket, TimeSpan.FromSeconds(10));
        try
        {
            using var version = JsonDocument.Parse(await http.GetStringAsync("http://docker/version", ct));
            if (version.RootElement.TryGetProperty("ApiVersion", out var api) && api.GetString() is { Length: > 0 } value)
            {
                Environment.SetEnvironmentVariable(Variable, value);
                logger.LogInformation("Docker runtime: the engine at {Socket} speaks API {Version}; {Variable} set to it", socket, value, Variable);
            }
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException or JsonException)
        {
            throw new InvalidOperationException($"no Docker engine answers at {socket}: {e.Message}", e);
        }
    }
}

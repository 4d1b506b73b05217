using System.Net.Sockets;

namespace Cmux.Fakes.Sandbox.Docker;

/// <summary>
/// The engine's unix socket, for the few questions asked before Testcontainers is set up (its API
/// version, whether it answers at all): <c>DOCKER_HOST</c> when it is a <c>unix://</c> path, else
/// Docker's default.
/// </summary>
public static class DockerSocket
{
    public static string Path() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { } host && host.StartsWith("unix://", StringComparison.Ordinal)
            ? host["unix://".Length..]
            : "/var/run/docker.sock";

    /// <summary>A client whose every request goes to the engine at <paramref name="socket"/> (use <c>http://docker/...</c>).</summary>
    public static HttpClient Client(string socket, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(client, ownsSocket: true);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        },
        UseProxy = false,
    }) { Timeout = timeout };
}

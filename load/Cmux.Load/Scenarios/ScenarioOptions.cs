using System.Text.Json;
using Cmux.Load.Engine;
using Cmux.Load.Targets;

namespace Cmux.Load.Scenarios;

/// <summary>
/// The built-in scenarios against the sandbox host's endpoints (docs/contracts.md §3):
/// <list type="table">
/// <item><term>http</term><description><c>GET /_cmux/bytes?size=N</c></description></item>
/// <item><term>echo</term><description><c>POST /_cmux/echo</c> with an N-byte body</description></item>
/// <item><term>exec</term><description><c>POST /exec {"command": "true"}</c> on the execd port</description></item>
/// <item><term>ws-echo</term><description>N-byte messages echoed on open sockets at <c>/_cmux/ws</c></description></item>
/// <item><term>ws-storm</term><description>connect, one echo, close</description></item>
/// </list>
/// </summary>
public sealed record ScenarioOptions
{
    public static readonly IReadOnlyList<string> Names = ["http", "echo", "exec", "ws-echo", "ws-storm"];

    public required string Name { get; init; }

    public required TargetOptions Target { get; init; }

    /// <summary>Response size (http), request body size (echo) or message size (websocket), in bytes.</summary>
    public int Size { get; init; } = 32;

    /// <summary>Overrides the scenario's path (and query).</summary>
    public string? Path { get; init; }

    /// <summary>HTTP connections kept open (the pool's limit).</summary>
    public int Connections { get; init; } = 64;

    /// <summary>A fresh TCP (and TLS) connection for every HTTP request.</summary>
    public bool NewConnections { get; init; }

    /// <summary>
    /// Sends <c>http</c> and <c>echo</c> through <c>HttpClient</c>'s <c>SocketsHttpHandler</c> instead of
    /// the lean HTTP/1.1 client (<see cref="Http1Scenario"/>): to compare the two. <c>exec</c> always uses it.
    /// </summary>
    public bool UseHttpClient { get; init; }

    public string Command { get; init; } = "true";

    /// <summary>The exec scenario's <c>timeout_ms</c>: execd kills the command after it (exit 124). None: execd's default.</summary>
    public TimeSpan? ExecTimeout { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public IScenario Create()
    {
        if (Size < (Name.StartsWith("ws-", StringComparison.Ordinal) ? 1 : 0))
        {
            throw new ArgumentException($"scenario {Name}: size {Size} is too small");
        }
        if (Connections < 1)
        {
            throw new ArgumentException($"scenario {Name}: at least one connection is needed (got {Connections})");
        }
        var target = new Target(Target);
        return Name switch
        {
            "http" => Lean(target, new("get", HttpMethod.Get, Path ?? $"/_cmux/bytes?size={Size}")),
            "echo" => Lean(target, new("post", HttpMethod.Post, Path ?? "/_cmux/echo", new byte[Size], "application/octet-stream")),
            "exec" => Http(target, new("exec", HttpMethod.Post, Path ?? "/exec", ExecBody(), "application/json")),
            "ws-echo" => new WebSocketScenario(Name, target, Path ?? "/_cmux/ws", Size, closeEachIteration: false, ConnectTimeout),
            "ws-storm" => new WebSocketScenario(Name, target, Path ?? "/_cmux/ws", Size, closeEachIteration: true, ConnectTimeout),
            _ => throw new ArgumentException($"unknown scenario '{Name}' (one of {string.Join(", ", Names)})"),
        };
    }

    private byte[] ExecBody()
    {
        var body = new Dictionary<string, object> { ["command"] = Command };
        if (ExecTimeout is { } timeout)
        {
            body["timeout_ms"] = (long)timeout.TotalMilliseconds;
        }
        return JsonSerializer.SerializeToUtf8Bytes(body);
    }

    private IScenario Lean(Target target, HttpRequestTemplate request) =>
        UseHttpClient ? Http(target, request) : new Http1Scenario(ScenarioName, target, request, Connections, NewConnections, ConnectTimeout);

    private HttpScenario Http(Target target, HttpRequestTemplate request) =>
        new(ScenarioName, target, request, Connections, NewConnections, ConnectTimeout);

    private string ScenarioName => NewConnections ? $"{Name}-new-connections" : Name;
}

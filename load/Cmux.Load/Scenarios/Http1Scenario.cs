using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cmux.Load.Engine;
using Cmux.Load.Http1;
using Cmux.Load.Targets;

namespace Cmux.Load.Scenarios;

/// <summary>
/// The lean client of the <c>http</c> and <c>echo</c> scenarios: the request's bytes are built once
/// and written whole on a pooled connection (plain, or TLS through <see cref="SslStream"/>); the
/// response is parsed only as far as a load report needs (status, framing, keep-alive) and its
/// body counted in the connection's buffer. What <c>SocketsHttpHandler</c> spends per request on
/// headers collections, content objects and its own pool would otherwise come out of the target's
/// share of this machine's cores (eng/compare.sh measures it against wrk).
/// </summary>
public sealed class Http1Scenario : IScenario
{
    private readonly ConnectionPool _pool;
    private readonly byte[] _request;
    private readonly bool _headRequest;
    private readonly long _bodyLength;
    private readonly string _connectHost;
    private readonly int _port;
    private readonly string? _serverName;
    private readonly TimeSpan _connectTimeout;

    public Http1Scenario(string name, Target target, HttpRequestTemplate request, int connections, bool newConnections, TimeSpan connectTimeout)
    {
        Name = name;
        Target = target;
        Steps = [request.Step];
        var uri = new Uri(target.Url, request.PathAndQuery);
        var host = target.Options.HostHeader ?? uri.GetComponents(UriComponents.Host | UriComponents.Port, UriFormat.UriEscaped);
        var body = request.Body ?? [];
        _request = Http1Request.Build(request.Method.Method, uri.PathAndQuery, host, target.Options.Headers, newConnections,
            body, request.Body is null ? null : request.ContentType ?? "application/octet-stream");
        _headRequest = request.Method == HttpMethod.Head;
        _bodyLength = body.Length;
        _connectHost = uri.IdnHost;
        _port = uri.Port;
        // As SocketsHttpHandler does: the server name is the Host header's when it is overridden.
        _serverName = uri.Scheme == Uri.UriSchemeHttps ? HostName(target.Options.HostHeader) ?? uri.IdnHost : null;
        _connectTimeout = connectTimeout;
        _pool = new ConnectionPool(connections);
    }

    public string Name { get; }

    public IReadOnlyList<string> Steps { get; }

    public Target Target { get; }

    public IScenarioSession CreateSession() => new Session(this);

    public void Dispose() => _pool.Dispose();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StepOutcome> SendAsync(CancellationToken ct)
    {
        var connection = await _pool.RentAsync(ct);
        try
        {
            while (true)
            {
                var current = connection ??= await ConnectAsync(ct);
                try
                {
                    var response = await current.SendAsync(_request, _headRequest, ct);
                    if (!response.KeepAlive)
                    {
                        current.Dispose();
                        connection = null;
                    }
                    return new StepOutcome(response.StatusCode, ErrorKind.None, _bodyLength, response.BodyBytes);
                }
                catch (Exception e) when (current.Responses > 0 && !current.ResponseStarted && IsStale(e))
                {
                    // The server closed an idle kept-alive connection as the request went out: send it once more on a new one.
                    current.Dispose();
                    connection = null;
                }
            }
        }
        catch
        {
            connection?.Dispose();
            connection = null;
            throw;
        }
        finally
        {
            _pool.Return(connection);
        }
    }

    private async ValueTask<Http1Connection> ConnectAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_connectTimeout);
        var socket = await Target.ConnectSocketAsync(_connectHost, _port, timeout.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (_serverName is { } serverName)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(Target.SslOptions(serverName), timeout.Token);
            }
            catch
            {
                await tls.DisposeAsync();
                throw;
            }
            stream = tls;
        }
        return new Http1Connection(stream);
    }

    // Nothing of a response came back on a connection that had carried one before.
    private static bool IsStale(Exception e) =>
        e is ResponseEndedException
        || e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } };

    private static string? HostName(string? hostHeader)
    {
        if (hostHeader is null)
        {
            return null;
        }
        if (hostHeader.StartsWith('['))
        {
            var close = hostHeader.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? hostHeader[1..close] : hostHeader;
        }
        var colon = hostHeader.LastIndexOf(':');
        return colon > 0 ? hostHeader[..colon] : hostHeader;
    }

    private sealed class Session(Http1Scenario scenario) : IScenarioSession
    {
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunIterationAsync(VirtualUser user) =>
            await user.MeasureAsync(0, scenario, static (s, ct) => s.SendAsync(ct));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using System.Net;
using Cmux.Load.Engine;
using Cmux.Load.Targets;

namespace Cmux.Load.Scenarios;

/// <summary>The one request an HTTP scenario repeats.</summary>
public sealed record HttpRequestTemplate(string Step, HttpMethod Method, string PathAndQuery, byte[]? Body = null, string? ContentType = null);

/// <summary>
/// One HTTP request per iteration over a shared pool of at most <c>connections</c> connections
/// (keep-alive), or over a fresh connection each time (<c>Connection: close</c>). Each session
/// pre-builds its request once and drains every response into one reused buffer.
/// </summary>
public sealed class HttpScenario : IScenario
{
    private readonly HttpMessageInvoker _invoker;
    private readonly HttpRequestTemplate _request;
    private readonly Uri _uri;
    private readonly bool _newConnections;

    public HttpScenario(string name, Target target, HttpRequestTemplate request, int connections, bool newConnections, TimeSpan connectTimeout)
    {
        Name = name;
        Target = target;
        Steps = [request.Step];
        _request = request;
        _newConnections = newConnections;
        _uri = new Uri(target.Url, request.PathAndQuery);
        _invoker = new HttpMessageInvoker(target.CreateHandler(connections, connectTimeout), disposeHandler: true);
    }

    public string Name { get; }

    public IReadOnlyList<string> Steps { get; }

    public Target Target { get; }

    public IScenarioSession CreateSession() => new Session(_invoker, BuildRequest());

    public void Dispose() => _invoker.Dispose();

    private HttpRequestMessage BuildRequest()
    {
        var request = new HttpRequestMessage(_request.Method, _uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = Target.Options.HostHeader;
        foreach (var (name, value) in Target.Options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.ConnectionClose = _newConnections ? true : null;
        if (_request.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", _request.ContentType ?? "application/octet-stream");
        }
        return request;
    }

    private sealed class Session(HttpMessageInvoker invoker, HttpRequestMessage request) : IScenarioSession
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly long _bodyLength = request.Content?.Headers.ContentLength ?? 0;

        public async ValueTask RunIterationAsync(VirtualUser user) =>
            await user.MeasureAsync(0, this, static (session, ct) => session.SendAsync(ct));

        public ValueTask DisposeAsync()
        {
            request.Dispose();
            return ValueTask.CompletedTask;
        }

        // The handler answers after the headers (an invoker never buffers); the body is drained here.
        private async ValueTask<StepOutcome> SendAsync(CancellationToken ct)
        {
            using var response = await invoker.SendAsync(request, ct);
            var body = await response.Content.ReadAsStreamAsync(ct);
            long received = 0;
            int read;
            while ((read = await body.ReadAsync(_buffer, ct)) > 0)
            {
                received += read;
            }
            return new StepOutcome((int)response.StatusCode, ErrorKind.None, _bodyLength, received);
        }
    }
}

using System.Net;
using System.Net.WebSockets;
using Cmux.Load.Engine;
using Cmux.Load.Targets;

namespace Cmux.Load.Scenarios;

/// <summary>
/// Websocket echo. Each session keeps one socket open and each iteration sends one binary message
/// and waits for it to come back (<c>connect</c> is measured only when the socket must be opened);
/// in the upgrade storm every iteration connects, echoes once and closes.
/// </summary>
public sealed class WebSocketScenario : IScenario
{
    private const int ConnectStep = 0;
    private const int EchoStep = 1;
    private const int CloseStep = 2;

    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _uri;
    private readonly int _messageSize;
    private readonly bool _closeEachIteration;

    public WebSocketScenario(string name, Target target, string path, int messageSize, bool closeEachIteration, TimeSpan connectTimeout)
    {
        Name = name;
        Target = target;
        Steps = closeEachIteration ? ["connect", "echo", "close"] : ["connect", "echo"];
        _messageSize = messageSize;
        _closeEachIteration = closeEachIteration;
        var http = new Uri(target.Url, path);
        _uri = new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        // Upgraded connections leave the pool, so the pool does not bound how many sockets are open.
        _invoker = new HttpMessageInvoker(target.CreateHandler(int.MaxValue, connectTimeout), disposeHandler: true);
    }

    public string Name { get; }

    public IReadOnlyList<string> Steps { get; }

    public Target Target { get; }

    public IScenarioSession CreateSession() => new Session(this);

    public void Dispose() => _invoker.Dispose();

    private sealed class Session(WebSocketScenario scenario) : IScenarioSession
    {
        private readonly byte[] _message = Enumerable.Range(0, scenario._messageSize).Select(i => (byte)i).ToArray();
        // One byte more than a message, so an over-long echo shows up as a length mismatch.
        private readonly byte[] _buffer = new byte[Math.Max(scenario._messageSize, 4096) + 1];
        private ClientWebSocket? _socket;

        public async ValueTask RunIterationAsync(VirtualUser user)
        {
            if (_socket is not { State: WebSocketState.Open })
            {
                _socket?.Dispose();
                _socket = null;
                if ((await user.MeasureAsync(ConnectStep, this, static (s, ct) => s.ConnectAsync(ct))).Failed)
                {
                    return;
                }
            }
            var echo = await user.MeasureAsync(EchoStep, this, static (s, ct) => s.EchoAsync(ct));
            if (scenario._closeEachIteration && !echo.Failed)
            {
                await user.MeasureAsync(CloseStep, this, static (s, ct) => s.CloseAsync(ct));
            }
            else if (echo.Failed)
            {
                _socket?.Abort();
            }
        }

        public ValueTask DisposeAsync()
        {
            _socket?.Dispose();
            return ValueTask.CompletedTask;
        }

        private async ValueTask<StepOutcome> ConnectAsync(CancellationToken ct)
        {
            var socket = new ClientWebSocket();
            socket.Options.HttpVersion = HttpVersion.Version11;
            socket.Options.CollectHttpResponseDetails = true;
            if (scenario.Target.Options.HostHeader is { } host)
            {
                socket.Options.SetRequestHeader("Host", host);
            }
            foreach (var (name, value) in scenario.Target.Options.Headers)
            {
                socket.Options.SetRequestHeader(name, value);
            }
            try
            {
                await socket.ConnectAsync(scenario._uri, scenario._invoker, ct);
            }
            catch (WebSocketException) when (socket.HttpStatusCode is >= HttpStatusCode.BadRequest)
            {
                var status = (int)socket.HttpStatusCode;
                socket.Dispose();
                return new StepOutcome(status, ErrorKind.None, 0, 0);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _socket = socket;
            return new StepOutcome((int)HttpStatusCode.SwitchingProtocols, ErrorKind.None, 0, 0);
        }

        private async ValueTask<StepOutcome> EchoAsync(CancellationToken ct)
        {
            var socket = _socket!;
            await socket.SendAsync(_message, WebSocketMessageType.Binary, endOfMessage: true, ct);
            var received = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(_buffer.AsMemory(Math.Min(received, _message.Length)), ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new StepOutcome(0, ErrorKind.ConnectionReset, _message.Length, received);
                }
                received += result.Count;
            }
            while (!result.EndOfMessage);
            var error = received == _message.Length ? ErrorKind.None : ErrorKind.Other;
            return new StepOutcome(0, error, _message.Length, received);
        }

        private async ValueTask<StepOutcome> CloseAsync(CancellationToken ct)
        {
            var socket = _socket!;
            _socket = null;
            using (socket)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
            return new StepOutcome(0, ErrorKind.None, 0, 0);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Cmux.Fakes.Sandbox.Processes;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// The terminal (cmux-pty) stand-in: <c>GET /health</c>, <c>GET|POST /sessions</c>,
/// <c>GET|DELETE /sessions/{id}</c>, and websocket <c>/sessions/{id}/ws</c> attached to a real
/// shell in the sandbox (under a pseudo-terminal via <c>script</c>): client messages are the
/// shell's input, its output comes back as text messages.
/// </summary>
public sealed class TerminalEndpoints(SandboxContext sandbox) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TerminalSession> _sessions = new();

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => Results.Json(new { status = "ok", sessions = _sessions.Count }));
        endpoints.MapGet("/sessions", () => Results.Json(_sessions.Values.Select(s => s.Describe())));
        endpoints.MapPost("/sessions", CreateAsync);
        endpoints.MapGet("/sessions/{id}", (string id) =>
            _sessions.TryGetValue(id, out var session) ? Results.Json(session.Describe()) : Unknown(id));
        endpoints.MapDelete("/sessions/{id}", async (string id) =>
        {
            if (!_sessions.TryRemove(id, out var session))
            {
                return Unknown(id);
            }
            await session.DisposeAsync();
            return Results.NoContent();
        });
        endpoints.MapGet("/sessions/{id}/ws", AttachAsync);
    }

    private async Task<IResult> CreateAsync()
    {
        var shell = await sandbox.StartShellAsync();
        var session = new TerminalSession(Guid.NewGuid().ToString("N")[..12], shell);
        _sessions[session.Id] = session;
        return Results.Json(session.Describe(), statusCode: StatusCodes.Status201Created);
    }

    private async Task AttachAsync(HttpContext context, string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            await Unknown(id).ExecuteAsync(context);
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await session.AttachAsync(socket, context.RequestAborted);
    }

    private static IResult Unknown(string id) => Results.NotFound(new { error = $"no session {id}" });

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync();
        }
        _sessions.Clear();
    }

    private sealed class TerminalSession(string id, Process shell) : IAsyncDisposable
    {
        private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;

        public string Id { get; } = id;

        public object Describe() => new { id = Id, pid = shell.Id, alive = !shell.HasExited, createdAt = _created };

        public async Task AttachAsync(WebSocket socket, CancellationToken ct)
        {
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var output = PumpOutputAsync(socket, done.Token);
            try
            {
                while (await WebSocketEcho.ReceiveMessageAsync(socket, done.Token) is { Data: { } input } message
                       && message.Type != WebSocketMessageType.Close)
                {
                    await shell.StandardInput.BaseStream.WriteAsync(input, done.Token);
                    await shell.StandardInput.BaseStream.FlushAsync(done.Token);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // The client or the shell went away.
            }
            await done.CancelAsync();
            // A pipe read may not notice the cancellation until the shell writes again.
            await output.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, shell.HasExited ? "shell exited" : null, CancellationToken.None);
            }
        }

        private async Task PumpOutputAsync(WebSocket socket, CancellationToken ct)
        {
            var decoder = Encoding.UTF8.GetDecoder();
            var bytes = new byte[16 * 1024];
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            int read;
            while ((read = await shell.StandardOutput.BaseStream.ReadAsync(bytes, ct)) > 0)
            {
                var count = decoder.GetChars(bytes, 0, read, chars, 0);
                await socket.SendAsync(Encoding.UTF8.GetBytes(chars, 0, count), WebSocketMessageType.Text, endOfMessage: true, ct);
            }
        }

        public async ValueTask DisposeAsync()
        {
            ProcessTree.Signal(shell.Id, ProcessTree.SigKill);
            await shell.WaitForExitAsync();
            shell.Dispose();
        }
    }
}

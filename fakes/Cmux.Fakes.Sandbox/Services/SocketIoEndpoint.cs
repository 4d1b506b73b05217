using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// The worker's Socket.IO endpoint, Engine.IO v4 as a Node server speaks it: the polling
/// handshake (<c>0{"sid",...}</c>), polling GET/POST with <c>\x1e</c>-separated packets, the
/// websocket upgrade with its <c>2probe</c>/<c>3probe</c>/<c>5</c> exchange (or a direct websocket),
/// namespace connect (<c>40</c>) and events (<c>42[...]</c>, echoed back).
/// </summary>
public sealed class SocketIoEndpoint
{
    public const string Path = "/socket.io/";
    public const int PingIntervalMs = 25_000;
    public const int PingTimeoutMs = 20_000;
    public const int MaxPayload = 1_000_000;
    private const char Separator = '\x1e';

    private readonly ConcurrentDictionary<string, Session> _sessions = new();

    public void Map(IEndpointRouteBuilder endpoints) => endpoints.Map(Path, HandleAsync);

    private async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["EIO"] != "4")
        {
            await ErrorAsync(context, 5, "Unsupported protocol version");
            return;
        }
        var transport = query["transport"].ToString();
        var sid = query["sid"].ToString();
        if (transport is not ("polling" or "websocket"))
        {
            await ErrorAsync(context, 0, "Transport unknown");
            return;
        }
        if (sid.Length == 0)
        {
            await OpenAsync(context, transport);
            return;
        }
        if (!_sessions.TryGetValue(sid, out var session))
        {
            await ErrorAsync(context, 1, "Session ID unknown");
            return;
        }
        if (transport == "websocket")
        {
            await UpgradeAsync(context, session);
        }
        else if (HttpMethods.IsGet(context.Request.Method))
        {
            await PollAsync(context, session);
        }
        else if (HttpMethods.IsPost(context.Request.Method))
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            foreach (var packet in (await reader.ReadToEndAsync(context.RequestAborted)).Split(Separator))
            {
                session.Receive(packet);
            }
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("ok");
        }
        else
        {
            await ErrorAsync(context, 2, "Bad handshake method");
        }
    }

    private async Task OpenAsync(HttpContext context, string transport)
    {
        var session = new Session(Guid.NewGuid().ToString("N")[..20]);
        _sessions[session.Id] = session;
        var open = "0" + JsonSerializer.Serialize(new
        {
            sid = session.Id,
            upgrades = transport == "polling" ? new[] { "websocket" } : [],
            pingInterval = PingIntervalMs,
            pingTimeout = PingTimeoutMs,
            maxPayload = MaxPayload,
        });
        if (transport == "polling")
        {
            context.Response.ContentType = "text/plain; charset=UTF-8";
            await context.Response.WriteAsync(open);
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorAsync(context, 3, "Bad request");
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await SendAsync(socket, open, context.RequestAborted);
        await RunWebSocketAsync(socket, session, context.RequestAborted);
    }

    private static async Task PollAsync(HttpContext context, Session session)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        wait.CancelAfter(PingIntervalMs);
        var packets = new List<string>();
        Interlocked.Increment(ref session.PendingPolls);
        try
        {
            packets.Add(await session.Outgoing.Reader.ReadAsync(wait.Token));
            while (session.Outgoing.Reader.TryRead(out var more))
            {
                packets.Add(more);
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            packets.Add("2");
        }
        finally
        {
            Interlocked.Decrement(ref session.PendingPolls);
        }
        context.Response.ContentType = "text/plain; charset=UTF-8";
        await context.Response.WriteAsync(string.Join(Separator, packets), context.RequestAborted);
    }

    private async Task UpgradeAsync(HttpContext context, Session session)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorAsync(context, 3, "Bad request");
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var ct = context.RequestAborted;
        if (await ReceiveTextAsync(socket, ct) != "2probe")
        {
            await socket.CloseAsync(WebSocketCloseStatus.ProtocolError, "expected 2probe", ct);
            return;
        }
        await SendAsync(socket, "3probe", ct);
        // A pending poll gets a noop so the client can finish the upgrade.
        if (Volatile.Read(ref session.PendingPolls) > 0)
        {
            session.Outgoing.Writer.TryWrite("6");
        }
        if (await ReceiveTextAsync(socket, ct) != "5")
        {
            await socket.CloseAsync(WebSocketCloseStatus.ProtocolError, "expected 5 (upgrade)", ct);
            return;
        }
        await RunWebSocketAsync(socket, session, ct);
    }

    private async Task RunWebSocketAsync(WebSocket socket, Session session, CancellationToken ct)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sender = Task.Run(async () =>
        {
            await foreach (var packet in session.Outgoing.Reader.ReadAllAsync(done.Token))
            {
                await SendAsync(socket, packet, done.Token);
            }
        }, done.Token);
        try
        {
            while (await ReceiveTextAsync(socket, done.Token) is { } packet)
            {
                session.Receive(packet);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client left.
        }
        finally
        {
            _sessions.TryRemove(session.Id, out _);
            await done.CancelAsync();
            await sender.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        if (socket.State == WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
    }

    private static async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken ct)
    {
        var (type, data) = await WebSocketEcho.ReceiveMessageAsync(socket, ct);
        return type == WebSocketMessageType.Close || data is null ? null : Encoding.UTF8.GetString(data.Value);
    }

    private static Task SendAsync(WebSocket socket, string packet, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(packet), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task ErrorAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsJsonAsync(new { code, message });
    }

    /// <summary>One Engine.IO session: packets waiting for the client, and what its packets ask for.</summary>
    private sealed class Session(string id)
    {
        public int PendingPolls;

        public string Id { get; } = id;

        public Channel<string> Outgoing { get; } = Channel.CreateUnbounded<string>();

        public void Receive(string packet)
        {
            switch (packet)
            {
                case "2":
                    Outgoing.Writer.TryWrite("3");
                    break;
                case ['4', '0', ..]:
                    Outgoing.Writer.TryWrite("40" + JsonSerializer.Serialize(new { sid = Guid.NewGuid().ToString("N")[..20] }));
                    break;
                case ['4', '2', ..]:
                    Outgoing.Writer.TryWrite(packet);
                    break;
                case "1":
                    Outgoing.Writer.TryComplete();
                    break;
            }
        }
    }
}

using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cmux.Load.Tests;

/// <summary>
/// A small Kestrel target on 127.0.0.1 with the sandbox host's load endpoints
/// (<c>/_cmux/bytes</c>, <c>/_cmux/echo</c>, <c>/_cmux/ws</c>, <c>/exec</c>), plus <c>/slow?ms=N</c> and
/// <c>/serial</c> (one request at a time, 20 ms each). It counts requests, connections and exec bodies.
/// </summary>
public sealed class LoadTestTarget : IAsyncDisposable
{
    public static readonly TimeSpan SerialServiceTime = TimeSpan.FromMilliseconds(20);

    private readonly WebApplication _app;
    private readonly SemaphoreSlim _serial = new(1);
    private readonly HashSet<string> _connections = [];
    private long _requests;

    private LoadTestTarget(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public string? LastExecBody { get; private set; }

    public string? LastHost { get; private set; }

    public int Connections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    public static async Task<LoadTestTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var target = new LoadTestTarget(app);
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref target._requests);
            target.LastHost = context.Request.Host.Value;
            lock (target._connections)
            {
                target._connections.Add(context.Connection.Id);
            }
            await next(context);
        });
        app.MapGet("/_cmux/bytes", (int size) => Results.Bytes(new byte[size], "application/octet-stream"));
        app.Map("/_cmux/echo", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Json(new { method = request.Method, length = body.Length });
        });
        app.MapPost("/exec", async (HttpRequest request) =>
        {
            target.LastExecBody = await new StreamReader(request.Body).ReadToEndAsync();
            return Results.Json(new { stdout = "", stderr = "", exitCode = 0 });
        });
        app.MapGet("/slow", async (int ms, CancellationToken ct) =>
        {
            await Task.Delay(ms, ct);
            return Results.Ok();
        });
        app.MapGet("/serial", async (CancellationToken ct) =>
        {
            await target._serial.WaitAsync(ct);
            try
            {
                await Task.Delay(SerialServiceTime, ct);
            }
            finally
            {
                target._serial.Release();
            }
            return Results.Ok();
        });
        app.Map("/_cmux/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return Results.BadRequest();
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return Results.Empty;
                }
                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        target.Url = new Uri(address);
        return target;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _serial.Dispose();
    }
}

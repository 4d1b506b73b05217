using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Morph;

/// <summary>
/// The sandbox host's control API in memory, for the Morph fake's unit tests. A started sandbox
/// serves, on its own loopback address, an execd (seed profile: <c>bash -c</c>) and on the VS Code
/// port an echo of the request it saw plus a websocket echo at <c>/ws</c>.
/// </summary>
public sealed class SandboxHostDouble : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, Sandbox> _sandboxes = new();
    private WebApplication? _control;

    public Uri Url { get; private set; } = null!;

    public SandboxState? StateOf(int id) => _sandboxes.TryGetValue(id, out var sandbox) ? sandbox.State : null;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _control = builder.Build();
        _control.MapPut("/sandboxes/{id:int}", (int id) =>
        {
            var created = _sandboxes.TryAdd(id, new Sandbox(id));
            return Results.Json(_sandboxes[id].Info, SandboxHostClient.Json, statusCode: created ? 201 : 200);
        });
        _control.MapPost("/sandboxes/{id:int}/start", (int id) => ActAsync(id, s => s.StartAsync()));
        _control.MapPost("/sandboxes/{id:int}/pause", (int id) => ActAsync(id, s => s.MoveAsync(SandboxState.Running, SandboxState.Paused)));
        _control.MapPost("/sandboxes/{id:int}/resume", (int id) => ActAsync(id, s => s.MoveAsync(SandboxState.Paused, SandboxState.Running)));
        _control.MapDelete("/sandboxes/{id:int}", async (int id) =>
        {
            if (!_sandboxes.TryRemove(id, out var sandbox))
            {
                return Results.Json(new { error = $"sandbox {id} does not exist" }, statusCode: 404);
            }
            await sandbox.DisposeAsync();
            return Results.NoContent();
        });
        await _control.StartAsync();
        Url = new Uri(_control.Urls.Single() + "/");
    }

    private async Task<IResult> ActAsync(int id, Func<Sandbox, Task<bool>> action)
    {
        if (!_sandboxes.TryGetValue(id, out var sandbox))
        {
            return Results.Json(new { error = $"sandbox {id} does not exist" }, statusCode: 404);
        }
        return await action(sandbox)
            ? Results.Json(sandbox.Info, SandboxHostClient.Json)
            : Results.Json(new { error = $"sandbox {id} is {sandbox.State}" }, statusCode: 409);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sandbox in _sandboxes.Values)
        {
            await sandbox.DisposeAsync();
        }
        if (_control is not null)
        {
            await _control.StopAsync();
            await _control.DisposeAsync();
        }
    }

    private sealed class Sandbox(int id) : IAsyncDisposable
    {
        private WebApplication? _machine;

        public SandboxState State { get; private set; } = SandboxState.Created;

        public SandboxInfo Info => new(id, $"cmux-{id}", SandboxAddress.For(id).ToString(), State,
            [SandboxPorts.Execd, SandboxPorts.VsCode], "/tmp");

        public async Task<bool> StartAsync()
        {
            if (State != SandboxState.Created)
            {
                return State == SandboxState.Running;
            }
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var address = SandboxAddress.For(id);
            builder.WebHost.UseUrls($"http://{address}:{SandboxPorts.Execd}", $"http://{address}:{SandboxPorts.VsCode}");
            _machine = builder.Build();
            _machine.UseWebSockets();
            _machine.MapPost("/exec", ExecAsync).RequireHost($"*:{SandboxPorts.Execd}");
            _machine.Map("/ws", EchoWebSocketAsync).RequireHost($"*:{SandboxPorts.VsCode}");
            _machine.Map("/{**path}", (HttpRequest request) => Results.Json(new
            {
                host = request.Host.Value,
                path = request.Path.Value,
                authorization = request.Headers.Authorization.ToString(),
            })).RequireHost($"*:{SandboxPorts.VsCode}");
            await _machine.StartAsync();
            State = SandboxState.Running;
            return true;
        }

        public Task<bool> MoveAsync(SandboxState from, SandboxState to)
        {
            if (State != from)
            {
                return Task.FromResult(false);
            }
            State = to;
            return Task.FromResult(true);
        }

        private static async Task<IResult> ExecAsync(ExecBody body, CancellationToken ct)
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", body.Command])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(ct);
                var stderr = process.StandardError.ReadToEndAsync(ct);
                await process.WaitForExitAsync(ct);
                return Results.Json(new { stdout = await stdout, stderr = await stderr, exitCode = process.ExitCode });
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        private static async Task EchoWebSocketAsync(HttpContext context)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_machine is not null)
            {
                await _machine.StopAsync();
                await _machine.DisposeAsync();
            }
        }

        private sealed record ExecBody(string Command);
    }
}

using System.Net.WebSockets;
using System.Security.Cryptography;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Router;

// INTERIM: replaced by the sandbox host once it lands on main.
public sealed class SandboxBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxBackend(WebApplication app, string hostsFile)
    {
        _app = app;
        HostsFile = hostsFile;
    }

    public string HostsFile { get; }

    public static async Task<SandboxBackend> StartAsync(string dataDir, int id)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(SandboxAddress.For(id), RouterCases.Port));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/_cmux/echo/{**rest}", Echo);
        app.Map("/_cmux/echo", Echo);
        app.MapGet("/_cmux/ws", async context =>
        {
            using var ws = await context.WebSockets.AcceptWebSocketAsync(context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault());
            var buffer = new byte[65536];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, default);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(r.CloseStatus!.Value, r.CloseStatusDescription, default);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, default);
            }
        });
        await app.StartAsync();
        var hosts = Path.Combine(dataDir, "hosts");
        await File.WriteAllTextAsync(hosts, $"{SandboxAddress.For(id)} {SandboxAddress.LanName(id)} cmux-{id}\n");
        return new SandboxBackend(app, hosts);
    }

    private static async Task Echo(HttpContext context)
    {
        var ms = new MemoryStream();
        await context.Request.Body.CopyToAsync(ms);
        await context.Response.WriteAsJsonAsync(new
        {
            sandbox = 200,
            port = context.Connection.LocalPort,
            method = context.Request.Method,
            rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            protocol = context.Request.Protocol,
            headers = context.Request.Headers.SelectMany(h => h.Value.Select(v => new[] { h.Key, v ?? "" })).ToArray(),
            bodyLength = ms.Length,
            bodySha256 = Convert.ToHexStringLower(SHA256.HashData(ms.ToArray())),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

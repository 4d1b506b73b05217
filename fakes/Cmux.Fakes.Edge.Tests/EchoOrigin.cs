using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cmux.Fakes.Edge.Tests;

/// <summary>
/// The edge tests' origin: <c>ANY /*</c> answers with the request it saw (the sandbox's
/// <c>/_cmux/echo</c> shape: headers as <c>[[name, value], ...]</c>) and <c>/_cmux/ws</c> echoes
/// websocket messages. Not a sandbox, because the edge must also be shown to reach an origin over
/// HTTPS with a self-signed certificate nobody trusts (<c>noTLSVerify</c>, like the PVE API), and
/// because these unit tests stay in-process; the suite covers the edge in front of real sandboxes.
/// </summary>
public static class EchoOrigin
{
    public const string WebSocketPath = "/_cmux/ws";

    public static Task<InProcessApp> StartAsync() => InProcessApp.StartAsync(args =>
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = SelfSigned()));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(context => context.Request.Path == WebSocketPath ? EchoWebSocketAsync(context) : EchoRequestAsync(context));
        return app;
    }, "--urls=http://127.0.0.1:0;https://127.0.0.1:0");

    private static Task EchoRequestAsync(HttpContext context)
    {
        var request = context.Request;
        return context.Response.WriteAsJsonAsync(new EchoedRequest(
            request.Method, request.Path, request.QueryString.Value ?? "", request.Scheme, request.Host.Value ?? "",
            request.Headers.SelectMany(h => h.Value.Select(v => new[] { h.Key, v ?? "" })).ToList()));
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
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

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pve.invalid", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}

/// <summary>What the origin saw.</summary>
public sealed record EchoedRequest(string Method, string Path, string Query, string Scheme, string Host, List<string[]> Headers)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h[0], name, StringComparison.OrdinalIgnoreCase))?[1];
}

using System.Net.WebSockets;
using System.Text;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// The browser-facing stand-ins: VS Code (39378) and the preview (5173) serve a page that opens a
/// websocket to its own origin and shows <c>connected</c> once its message comes back; noVNC
/// (39380) serves <c>/vnc.html</c> and a binary websocket at <c>/websockify</c> that opens with the
/// RFB banner; DevTools (39381) answers <c>/json/version</c> and its browser websocket.
/// </summary>
public static class StandInEndpoints
{
    public const string VsCodeSocketPath = "/vscode-remote";
    public const string PreviewSocketPath = "/vite-hmr";
    public const string RfbBanner = "RFB 003.008\n";

    /// <summary>The page, and VS Code's remote socket: the workbench upgrades <c>/?reconnectionToken=...</c>.</summary>
    public static void MapVsCode(IEndpointRouteBuilder endpoints, SandboxContext sandbox)
    {
        endpoints.MapMethods("/", ["GET", "HEAD"], context =>
            context.WebSockets.IsWebSocketRequest && context.Request.Query.ContainsKey("reconnectionToken")
                ? WebSocketEcho.RunAsync(context)
                : Page($"VS Code - {sandbox.Hostname}", VsCodeSocketPath).ExecuteAsync(context));
        endpoints.MapGet(VsCodeSocketPath, WebSocketEcho.RunAsync);
    }

    /// <summary>The page, and Vite's HMR socket: protocol <c>vite-hmr</c> on the base path, opening with <c>{"type":"connected"}</c>.</summary>
    public static void MapPreview(IEndpointRouteBuilder endpoints, SandboxContext sandbox)
    {
        endpoints.MapMethods("/", ["GET", "HEAD"], context =>
            context.WebSockets.IsWebSocketRequest && context.WebSockets.WebSocketRequestedProtocols.Contains("vite-hmr")
                ? ViteHmrAsync(context)
                : Page($"Preview - {sandbox.Hostname}", PreviewSocketPath).ExecuteAsync(context));
        endpoints.MapGet(PreviewSocketPath, WebSocketEcho.RunAsync);
    }

    private static async Task ViteHmrAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync("vite-hmr");
        await socket.SendAsync("{\"type\":\"connected\"}"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        await WebSocketEcho.EchoAsync(socket, context.RequestAborted);
    }

    public static void MapNoVnc(IEndpointRouteBuilder endpoints, SandboxContext sandbox)
    {
        endpoints.MapMethods("/vnc.html", ["GET", "HEAD"], () => Page($"noVNC - {sandbox.Hostname}", "/websockify", binary: true));
        endpoints.MapGet("/websockify", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
                return;
            }
            var offered = context.WebSockets.WebSocketRequestedProtocols;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Contains("binary") ? "binary" : null);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RfbBanner), WebSocketMessageType.Binary, endOfMessage: true, context.RequestAborted);
            await WebSocketEcho.EchoAsync(socket, context.RequestAborted);
        });
    }

    public static void MapDevTools(IEndpointRouteBuilder endpoints, SandboxContext sandbox)
    {
        var browserId = Guid.NewGuid();
        endpoints.MapGet("/json/version", (HttpContext context) => Results.Json(new Dictionary<string, string>
        {
            ["Browser"] = "Chrome/130.0.0.0",
            ["Protocol-Version"] = "1.3",
            ["User-Agent"] = $"Mozilla/5.0 (X11; Linux x86_64) cmux-sandbox/{sandbox.Id}",
            ["V8-Version"] = "13.0.0",
            ["WebKit-Version"] = "537.36",
            ["webSocketDebuggerUrl"] = $"ws://{context.Request.Host}/devtools/browser/{browserId}",
        }));
        endpoints.MapGet("/json/list", () => Results.Json(Array.Empty<object>()));
        endpoints.MapGet("/devtools/browser/{id}", WebSocketEcho.RunAsync);
    }

    // A page that proves the websocket works end to end through whatever proxies sit in front.
    private static IResult Page(string title, string socketPath, bool binary = false) => Results.Content($$"""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>{{title}}</title></head>
        <body>
        <h1>{{title}}</h1>
        <p>websocket: <span id="status">connecting</span></p>
        <script>
          const status = document.getElementById('status');
          const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '{{socketPath}}');
          socket.binaryType = 'arraybuffer';
          socket.onopen = () => socket.send({{(binary ? "new Uint8Array([104, 105])" : "'hello'")}});
          socket.onmessage = () => { status.textContent = 'connected'; };
          socket.onerror = () => { status.textContent = 'error'; };
          socket.onclose = (e) => { if (status.textContent !== 'connected') status.textContent = 'closed ' + e.code; };
        </script>
        </body></html>
        """, "text/html; charset=utf-8");
}

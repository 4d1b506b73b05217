using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Checks.Clients;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>
/// What cmux really runs in a sandbox, through the public URL (docs/contracts.md §3): each page
/// loads and each websocket upgrades, spoken the way the real server speaks it. A port nothing
/// listens on in the sandbox is skipped with that reason, never passed.
/// </summary>
public static class ServiceChecks
{
    public static readonly ConformanceCheck VsCode = new()
    {
        ShortName = "service-vscode",
        Feature = Features.Services,
        Description = "VS Code (39378): its page loads and its remote socket upgrades (reconnectionToken query, as the workbench opens it).",
        Test = async c =>
        {
            var sandbox = await ServingAsync(c, SandboxPorts.VsCode);
            await PageAsync(c, c.Provider.UrlFor(sandbox, SandboxPorts.VsCode), "text/html");
            var socketUrl = new Uri(c.Provider.UrlFor(sandbox, SandboxPorts.VsCode), $"/?reconnectionToken={Guid.NewGuid()}&reconnection=false&skipWebSocketFrames=false");
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(socketUrl), c.Timeout());
            socket.State.ShouldBe(WebSocketState.Open);
        },
    };

    public static readonly ConformanceCheck Worker = new()
    {
        ShortName = "service-worker-socketio",
        Feature = Features.Services,
        Description = "The worker's Socket.IO (39377, or 39376 on current cmux PVE): the Engine.IO v4 polling handshake, then the upgrade to a websocket (2probe/3probe/5).",
        Test = async c =>
        {
            var port = await FirstServingAsync(c, SandboxPorts.Worker, SandboxPorts.WorkerPve);
            var sandbox = await c.SharedSandboxAsync();
            var baseUrl = c.Provider.UrlFor(sandbox, port);
            using var client = c.CreateClient();
            var handshake = await client.GetStringAsync(new Uri(baseUrl, "/socket.io/?EIO=4&transport=polling"), c.Timeout());
            handshake.ShouldStartWith("0{", customMessage: $"Engine.IO's open packet, got: {handshake}");
            var open = JsonDocument.Parse(handshake[1..]).RootElement;
            var sid = open.GetProperty("sid").GetString()!;
            open.GetProperty("upgrades").EnumerateArray().Select(u => u.GetString()).ShouldContain("websocket");

            var upgrade = new Uri(baseUrl, $"/socket.io/?EIO=4&transport=websocket&sid={Uri.EscapeDataString(sid)}");
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(upgrade), c.Timeout());
            await socket.SendAsync("2probe"u8.ToArray(), WebSocketMessageType.Text, true, c.Timeout());
            var (_, answer) = await WebSockets.ReceiveMessageAsync(socket, c.Timeout());
            Encoding.UTF8.GetString(answer).ShouldBe("3probe");
            await socket.SendAsync("5"u8.ToArray(), WebSocketMessageType.Text, true, c.Timeout());
        },
    };

    public static readonly ConformanceCheck NoVnc = new()
    {
        ShortName = "service-novnc",
        Feature = Features.Services,
        Description = "noVNC (39380): vnc.html loads and websockify's binary socket opens with the VNC server's RFB banner.",
        Test = async c =>
        {
            var sandbox = await ServingAsync(c, SandboxPorts.NoVnc);
            var url = c.Provider.UrlFor(sandbox, SandboxPorts.NoVnc);
            await PageAsync(c, new Uri(url, "/vnc.html"), "text/html");
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(new Uri(url, "/websockify")), c.Timeout(), ["binary"]);
            var (type, banner) = await WebSockets.ReceiveMessageAsync(socket, c.Timeout());
            type.ShouldBe(WebSocketMessageType.Binary);
            Encoding.ASCII.GetString(banner).ShouldStartWith("RFB 003.", customMessage: "the first bytes of a VNC server");
        },
    };

    public static readonly ConformanceCheck Terminal = new()
    {
        ShortName = "service-terminal",
        Feature = Features.Services,
        Description = "The terminal (39383): /health answers, a session opens, and a command typed into its websocket prints its output.",
        Test = async c =>
        {
            var sandbox = await ServingAsync(c, SandboxPorts.Terminal);
            var url = c.Provider.UrlFor(sandbox, SandboxPorts.Terminal);
            using var client = c.CreateClient();
            using (var health = await client.GetAsync(new Uri(url, "/health"), c.Timeout()))
            {
                health.StatusCode.ShouldBe(HttpStatusCode.OK);
            }
            using var created = await client.PostAsync(new Uri(url, "/sessions"), new StringContent("{}", Encoding.UTF8, "application/json"), c.Timeout());
            ((int)created.StatusCode).ShouldBeInRange(200, 201);
            var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(c.Timeout())).RootElement.GetProperty("id").GetString()!;
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(new Uri(url, $"/sessions/{id}/ws")), c.Timeout());
            await socket.SendAsync("echo cmux-terminal-$((6*7))\r"u8.ToArray(), WebSocketMessageType.Text, true, c.Timeout());
            var seen = new StringBuilder();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(c.Timeout(20));
            while (!seen.ToString().Contains("cmux-terminal-42", StringComparison.Ordinal))
            {
                var (_, output) = await WebSockets.ReceiveMessageAsync(socket, deadline.Token);
                seen.Append(Encoding.UTF8.GetString(output));
            }
        },
    };

    public static readonly ConformanceCheck Preview = new()
    {
        ShortName = "service-preview",
        Feature = Features.Services,
        Description = "The preview dev server (5173): its page loads and Vite's HMR websocket (protocol vite-hmr) says connected.",
        Test = async c =>
        {
            var sandbox = await ServingAsync(c, SandboxPorts.Preview);
            var url = c.Provider.UrlFor(sandbox, SandboxPorts.Preview);
            await PageAsync(c, url, "text/html");
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(url), c.Timeout(), ["vite-hmr"]);
            socket.SubProtocol.ShouldBe("vite-hmr");
            var (_, hello) = await WebSockets.ReceiveMessageAsync(socket, c.Timeout());
            JsonDocument.Parse(hello).RootElement.GetProperty("type").GetString().ShouldBe("connected");
        },
    };

    public static readonly ConformanceCheck DevTools = new()
    {
        ShortName = "service-devtools",
        Feature = Features.Services,
        Description = "Chrome DevTools (39381): /json/version names the browser and its debugger websocket, which upgrades through the public URL.",
        Test = async c =>
        {
            var sandbox = await ServingAsync(c, SandboxPorts.DevTools);
            var url = c.Provider.UrlFor(sandbox, SandboxPorts.DevTools);
            using var client = c.CreateClient();
            var version = JsonDocument.Parse(await client.GetStringAsync(new Uri(url, "/json/version"), c.Timeout())).RootElement;
            version.GetProperty("Browser").GetString().ShouldNotBeNullOrWhiteSpace();
            var debugger = new Uri(version.GetProperty("webSocketDebuggerUrl").GetString()!);
            using var socket = await WebSockets.ConnectAsync(c, WebSockets.AsWebSocket(new Uri(url, debugger.PathAndQuery)), c.Timeout());
            socket.State.ShouldBe(WebSocketState.Open);
        },
    };

    /// <summary>The shared sandbox, when something listens on <paramref name="port"/> in it; otherwise the check is skipped, saying so.</summary>
    private static async Task<Providers.SandboxHandle> ServingAsync(CheckContext c, int port)
    {
        await FirstServingAsync(c, port);
        return await c.SharedSandboxAsync();
    }

    private static async Task<int> FirstServingAsync(CheckContext c, params int[] ports)
    {
        var sandbox = await c.SharedSandboxAsync();
        foreach (var port in ports)
        {
            var listening = await c.Provider.ExecAsync(sandbox,
                new($"(exec 3<>/dev/tcp/${{CMUX_SANDBOX_ADDRESS:-127.0.0.1}}/{port}) 2>/dev/null && echo listening || true"), c.Timeout());
            if (listening.Stdout.Trim() == "listening")
            {
                return port;
            }
        }
        CheckContext.SkipBecause($"nothing listens on {string.Join(" or ", ports)} in the sandbox");
        return 0;
    }

    private static async Task PageAsync(CheckContext c, Uri url, string mediaType)
    {
        using var client = c.CreateClient();
        using var response = await client.GetAsync(url, c.Timeout());
        ((int)response.StatusCode).ShouldBeInRange(200, 299, $"{url} answered {(int)response.StatusCode}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe(mediaType, $"{url}");
    }
}

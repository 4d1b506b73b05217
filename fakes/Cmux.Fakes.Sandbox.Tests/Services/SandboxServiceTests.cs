using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Services;
using static Cmux.Fakes.Sandbox.Tests.Services.SandboxWebSocketTests;

namespace Cmux.Fakes.Sandbox.Tests.Services;

/// <summary>The stand-ins on each port, protocol by protocol, as cmux's clients and readiness checks use them.</summary>
[Collection(SandboxHostCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class SandboxServiceTests(SandboxHostFixture host)
{
    [Theory]
    [InlineData(SandboxPorts.WorkerPve)]
    [InlineData(SandboxPorts.Worker)]
    public async Task Worker_answers_health_and_the_socket_io_polling_handshake(int port)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, port);

        (await client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var open = await client.GetStringAsync("/socket.io/?EIO=4&transport=polling");

        open.ShouldStartWith("0{");
        var handshake = JsonDocument.Parse(open[1..]).RootElement;
        handshake.GetProperty("sid").GetString().ShouldNotBeNullOrEmpty();
        handshake.GetProperty("upgrades").EnumerateArray().Select(u => u.GetString()).ShouldBe(["websocket"]);
        handshake.GetProperty("pingInterval").GetInt32().ShouldBePositive();
        handshake.GetProperty("pingTimeout").GetInt32().ShouldBePositive();
        handshake.GetProperty("maxPayload").GetInt32().ShouldBePositive();
    }

    [Fact]
    public async Task Socket_io_connects_a_namespace_over_polling_then_upgrades_to_websocket()
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.Worker);
        var sid = JsonDocument.Parse((await client.GetStringAsync("/socket.io/?EIO=4&transport=polling"))[1..]).RootElement.GetProperty("sid").GetString();
        var polling = $"/socket.io/?EIO=4&transport=polling&sid={sid}";

        (await (await client.PostAsync(polling, new StringContent("40"))).Content.ReadAsStringAsync()).ShouldBe("ok");
        (await client.GetStringAsync(polling)).ShouldStartWith("40{\"sid\":");

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{host.First.Address}:{SandboxPorts.Worker}/socket.io/?EIO=4&transport=websocket&sid={sid}"), default);
        await SendTextAsync(socket, "2probe");
        Text((await ReceiveAsync(socket)).Data).ShouldBe("3probe");
        await SendTextAsync(socket, "5");
        await SendTextAsync(socket, """42["hello","world"]""");
        Text((await ReceiveAsync(socket)).Data).ShouldBe("""42["hello","world"]""");
    }

    [Theory]
    [InlineData("/socket.io/?EIO=3&transport=polling", "Unsupported protocol version")]
    [InlineData("/socket.io/?EIO=4&transport=carrier-pigeon", "Transport unknown")]
    [InlineData("/socket.io/?EIO=4&transport=polling&sid=nope", "Session ID unknown")]
    public async Task Socket_io_refuses_what_engine_io_refuses(string path, string message)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.WorkerPve);

        using var response = await client.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString().ShouldBe(message);
    }

    [Theory]
    [InlineData(SandboxPorts.VsCode, "/", StandInEndpoints.VsCodeSocketPath)]
    [InlineData(SandboxPorts.Preview, "/", StandInEndpoints.PreviewSocketPath)]
    public async Task Pages_open_a_websocket_to_their_own_origin(int port, string page, string socketPath)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, port);

        var html = await client.GetStringAsync(page);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, page));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{host.First.Address}:{port}{socketPath}"), default);
        await SendTextAsync(socket, "hello");

        html.ShouldContain("location.host + '" + socketPath + "'");
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        Text((await ReceiveAsync(socket)).Data).ShouldBe("hello");
    }

    [Fact]
    public async Task NoVnc_serves_its_page_and_a_binary_websockify_that_speaks_first()
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.NoVnc);
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("binary");

        (await client.GetStringAsync("/vnc.html")).ShouldContain("/websockify");
        await socket.ConnectAsync(new Uri($"ws://{host.First.Address}:{SandboxPorts.NoVnc}/websockify"), default);

        socket.SubProtocol.ShouldBe("binary");
        var banner = await ReceiveAsync(socket);
        banner.Type.ShouldBe(WebSocketMessageType.Binary);
        Encoding.ASCII.GetString(banner.Data).ShouldBe(StandInEndpoints.RfbBanner);
    }

    [Fact]
    public async Task DevTools_describes_a_browser_websocket_on_its_own_host()
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.DevTools);

        var version = await client.GetFromJsonAsync<JsonElement>("/json/version");

        version.GetProperty("Protocol-Version").GetString().ShouldBe("1.3");
        var debugger = new Uri(version.GetProperty("webSocketDebuggerUrl").GetString()!);
        debugger.Authority.ShouldBe($"{host.First.Address}:{SandboxPorts.DevTools}");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(debugger, default);
        socket.State.ShouldBe(WebSocketState.Open);
    }

    [Fact]
    public async Task Terminal_attaches_a_websocket_to_a_real_shell_in_the_sandbox()
    {
        using var client = SandboxHostFixture.ClientFor(host.Second, SandboxPorts.Terminal);
        (await client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var created = await client.PostAsync("/sessions", null);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await client.GetFromJsonAsync<JsonElement[]>("/sessions"))!.Select(s => s.GetProperty("id").GetString()).ShouldContain(id);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{host.Second.Address}:{SandboxPorts.Terminal}/sessions/{id}/ws"), default);
        await SendTextAsync(socket, "echo \"sum=$((6*7)) on $(hostname)\"\n");

        var output = new StringBuilder();
        while (!output.ToString().Contains("sum=42 on second-box", StringComparison.Ordinal))
        {
            output.Append(Text((await ReceiveAsync(socket)).Data));
        }
        (await client.DeleteAsync($"/sessions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/sessions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, default);
}

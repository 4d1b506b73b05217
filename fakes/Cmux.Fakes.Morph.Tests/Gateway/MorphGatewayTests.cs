using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Cmux.Contract;
using Cmux.Fakes.Morph.Gateway;

namespace Cmux.Fakes.Morph.Tests.Gateway;

/// <summary>The Morph fake's HTTPS gateway: service hosts, auth modes, paused instances, websockets, TLS.</summary>
[Collection(MorphFakeCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.MorphApi)]
public sealed class MorphGatewayTests(MorphFakeFixture morph) : IAsyncLifetime
{
    private readonly MorphSession _session = new(morph);
    private readonly HttpClient _gateway = new(morph.GatewayHandler());

    [Theory]
    [InlineData("port-39378-morphvm-abc123.http.cloud.morph.so", "port-39378", "morphvm_abc123")]
    [InlineData("PORT-5173-MORPHVM-ABC123.HTTP.CLOUD.MORPH.SO", "port-5173", "morphvm_abc123")]
    [InlineData("web-morphvm-x1.http.cloud.morph.so.", "web", "morphvm_x1")]
    [InlineData("a-morphvm-b-morphvm-c9.http.cloud.morph.so", "a-morphvm-b", "morphvm_c9")]
    public void Service_hosts_parse_into_service_and_instance(string host, string service, string instance) =>
        ServiceHost.Parse(host, MorphFakeFixture.Domain).ShouldBe(new ServiceHost(service, instance));

    [Theory]
    [InlineData("port-39378-morphvm_abc123.http.cloud.morph.so")]
    [InlineData("port-39378.morphvm-abc123.http.cloud.morph.so")]
    [InlineData("morphvm-abc123.http.cloud.morph.so")]
    [InlineData("port-39378-morphvm-.http.cloud.morph.so")]
    [InlineData("port-39378-morphvm-abc123.example.test")]
    [InlineData("http.cloud.morph.so")]
    public void Malformed_hosts_do_not_parse(string host) =>
        ServiceHost.Parse(host, MorphFakeFixture.Domain).ShouldBeNull();

    [Fact]
    public void A_host_longer_than_one_label_allows_does_not_parse() =>
        ServiceHost.Parse($"{new string('a', 50)}-morphvm-abcdefghijkl.{MorphFakeFixture.Domain}", MorphFakeFixture.Domain).ShouldBeNull();

    [Fact]
    public async Task A_public_service_reaches_its_port_on_the_instance()
    {
        var (id, url) = await ExposeAsync("public", "none");
        var sandbox = MorphFakeFixture.SandboxIdOf(await _session.Api.GetFromJsonAsync<JsonElement>($"instance/{id}"));

        using var response = await _gateway.GetAsync(new Uri(url, "/_cmux/echo/some/path?q=1"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        echo.GetProperty("path").GetString().ShouldBe("/_cmux/echo/some/path");
        echo.GetProperty("queryString").GetString().ShouldBe("?q=1");
        echo.GetProperty("port").GetInt32().ShouldBe(SandboxPorts.VsCode);
        echo.GetProperty("sandbox").GetInt32().ShouldBe(sandbox);
    }

    [Fact]
    public async Task An_api_key_service_needs_the_key_and_keeps_it_from_the_instance()
    {
        var (_, service) = await ExposeAsync("keyed", "api_key");
        var url = new Uri(service, "/_cmux/echo");

        using var without = await _gateway.GetAsync(url);
        using var wrong = await SendWithKeyAsync(url, "wrong-key");
        using var right = await SendWithKeyAsync(url, MorphFakeFixture.ApiKey);

        without.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        HeaderValues(await right.Content.ReadFromJsonAsync<JsonElement>(), "Authorization").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_public_service_passes_the_callers_authorization_through()
    {
        var (_, url) = await ExposeAsync("public", "none");

        using var response = await SendWithKeyAsync(new Uri(url, "/_cmux/echo"), "app-token");

        HeaderValues(await response.Content.ReadFromJsonAsync<JsonElement>(), "Authorization").ShouldBe(["Bearer app-token"]);
    }

    [Fact]
    public async Task Unknown_instances_services_and_hosts_are_404()
    {
        var (id, _) = await ExposeAsync("public", "none");
        var hosts = new[]
        {
            $"port-39378-morphvm-doesnotexist.{MorphFakeFixture.Domain}",
            $"port-5173-{id.Replace('_', '-')}.{MorphFakeFixture.Domain}",
            $"not-a-service-host.{MorphFakeFixture.Domain}",
        };
        foreach (var host in hosts)
        {
            using var response = await _gateway.GetAsync($"https://{host}/");
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, host);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetString().ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task A_paused_instance_answers_503_until_resumed()
    {
        var (id, url) = await ExposeAsync("paused", "none", MorphSession.Id(await _session.StartReadyAsync()));

        (await _session.Api.PostAsync($"instance/{id}/pause", null)).EnsureSuccessStatusCode();
        using var whilePaused = await _gateway.GetAsync(url);
        (await _session.Api.PostAsync($"instance/{id}/resume", null)).EnsureSuccessStatusCode();
        using var afterResume = await _gateway.GetAsync(url);

        whilePaused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await whilePaused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetString().ShouldBe("instance_not_ready");
        afterResume.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_hidden_service_is_no_longer_reachable()
    {
        var (id, url) = await ExposeAsync("hidden", "none");

        (await _session.Api.DeleteAsync($"instance/{id}/http/hidden")).EnsureSuccessStatusCode();
        using var response = await _gateway.GetAsync(url);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Websockets_pass_through_the_gateway_in_text_and_binary()
    {
        var (_, url) = await ExposeAsync("public", "none");
        using var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(morph.GatewayHandler());

        await socket.ConnectAsync(new UriBuilder(url) { Scheme = "wss", Path = "/_cmux/ws" }.Uri, invoker, CancellationToken.None);
        var text = await EchoAsync(socket, Encoding.UTF8.GetBytes("hello through the gateway"), WebSocketMessageType.Text);
        var binary = await EchoAsync(socket, [0, 1, 2, 255, 254], WebSocketMessageType.Binary);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);

        Encoding.UTF8.GetString(text).ShouldBe("hello through the gateway");
        binary.ShouldBe(new byte[] { 0, 1, 2, 255, 254 });
        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task The_certificate_covers_one_label_under_the_domain_only()
    {
        var (id, _) = await ExposeAsync("public", "none");

        var twoLabels = new Uri($"https://public.{id.Replace('_', '-')}.{MorphFakeFixture.Domain}/");
        var failure = await Should.ThrowAsync<HttpRequestException>(() => _gateway.GetAsync(twoLabels));

        failure.InnerException.ShouldBeOfType<AuthenticationException>();
    }

    /// <summary>Exposes the VS Code port as <paramref name="name"/> on <paramref name="instance"/> (the shared one by default).</summary>
    private async Task<(string Id, Uri Url)> ExposeAsync(string name, string authMode, string? instance = null)
    {
        var id = instance ?? morph.SharedInstance;
        using var exposed = await _session.Api.PostAsJsonAsync($"instance/{id}/http",
            new { name, port = SandboxPorts.VsCode, auth_mode = authMode });
        exposed.EnsureSuccessStatusCode();
        var url = (await exposed.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("networking").GetProperty("http_services").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == name).GetProperty("url").GetString()!;
        return (id, new Uri(url));
    }

    private async Task<HttpResponseMessage> SendWithKeyAsync(Uri url, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _gateway.SendAsync(request);
    }

    private static List<string> HeaderValues(JsonElement echo, string name) =>
        echo.GetProperty("headers").EnumerateArray()
            .Where(h => string.Equals(h[0].GetString(), name, StringComparison.OrdinalIgnoreCase))
            .Select(h => h[1].GetString()!)
            .ToList();

    private static async Task<byte[]> EchoAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type)
    {
        await socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[message.Length + 16];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        received.MessageType.ShouldBe(type);
        received.EndOfMessage.ShouldBeTrue();
        return buffer[..received.Count];
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _gateway.Dispose();
        await _session.DisposeAsync();
    }
}

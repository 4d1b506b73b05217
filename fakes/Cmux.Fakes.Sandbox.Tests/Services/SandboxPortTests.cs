using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Services;

namespace Cmux.Fakes.Sandbox.Tests.Services;

/// <summary>The test endpoints every port of every sandbox serves, on the sandbox's own address.</summary>
[Collection(SandboxHostCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class SandboxPortTests(SandboxHostFixture host)
{
    public static TheoryData<int> Ports => [.. SandboxPorts.All];

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Echo_returns_the_request_as_the_sandbox_saw_it(int port)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, port);
        var body = RandomNumberGenerator.GetBytes(100_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_cmux/echo/some/path?b=2&a=1") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Repeated", ["one", "two"]);
        request.Headers.Host = "port-39378-vm-200.example.test";

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var echo = (await response.Content.ReadFromJsonAsync<Echo>())!;
        echo.ShouldBe(echo with
        {
            Sandbox = host.First.Id,
            Port = port,
            Method = "POST",
            Path = "/_cmux/echo/some/path",
            RawTarget = "/_cmux/echo/some/path?b=2&a=1",
            QueryString = "?b=2&a=1",
            Host = "port-39378-vm-200.example.test",
            Protocol = "HTTP/1.1",
            Scheme = "http",
            BodyLength = body.Length,
            BodySha256 = Convert.ToHexStringLower(SHA256.HashData(body)),
            LocalAddress = host.First.Address,
        });
        echo.Headers.Where(h => h[0] == "X-Repeated").Select(h => h[1]).ShouldBe(["one, two"]);
        echo.RemoteAddress.ShouldStartWith("127.");
        echo.RemotePort.ShouldBeGreaterThan(0);
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Info_names_the_sandbox_port_and_service(int port)
    {
        using var client = SandboxHostFixture.ClientFor(host.Second, port);

        var info = (await client.GetFromJsonAsync<Info>("/_cmux/info"))!;

        info.ShouldBe(info with { Sandbox = host.Second.Id, Hostname = "second-box", Port = port });
        info.Service.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Two_sandboxes_serve_the_same_port_at_once()
    {
        using var first = SandboxHostFixture.ClientFor(host.First, SandboxPorts.VsCode);
        using var second = SandboxHostFixture.ClientFor(host.Second, SandboxPorts.VsCode);

        var answers = await Task.WhenAll(first.GetFromJsonAsync<Info>("/_cmux/info"), second.GetFromJsonAsync<Info>("/_cmux/info"));

        answers.Select(a => a!.Sandbox).ShouldBe([host.First.Id, host.Second.Id]);
    }

    [Fact]
    public async Task Sse_sends_each_event_as_it_happens()
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.Preview);
        using var response = await client.GetAsync("/_cmux/sse?count=4&interval_ms=10", HttpCompletionOption.ResponseHeadersRead);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");

        var text = await response.Content.ReadAsStringAsync();

        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .ShouldBe(Enumerable.Range(0, 4).Select(i => $"id: {i}\nevent: tick\ndata: {{\"n\":{i}}}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_streams_the_deterministic_pattern(bool chunked)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.VsCode);
        const int Size = 3_000_017;

        using var response = await client.GetAsync($"/_cmux/bytes?size={Size}{(chunked ? "&chunked=1" : "")}", HttpCompletionOption.ResponseHeadersRead);

        response.Content.Headers.ContentLength.ShouldBe(chunked ? null : Size);
        response.Headers.TransferEncodingChunked.ShouldBe(chunked ? true : null);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Length.ShouldBe(Size);
        Enumerable.Range(0, Size).Where(i => bytes[i] != TestEndpoints.PatternByte(i)).Take(1).ShouldBeEmpty();
    }

    [Fact]
    public async Task Slow_answers_after_the_wait()
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.Worker);

        using var response = await client.GetAsync("/_cmux/slow?ms=150");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("waitedMs").GetInt32().ShouldBe(150);
    }

    [Theory]
    [InlineData("/_cmux/slow?ms=-1")]
    [InlineData("/_cmux/bytes?size=-1")]
    [InlineData("/_cmux/sse?count=-1")]
    public async Task Bad_test_endpoint_parameters_are_400(string path)
    {
        using var client = SandboxHostFixture.ClientFor(host.First, SandboxPorts.Worker);

        using var response = await client.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private sealed record Echo(
        int Sandbox, int Port, string Method, string Path, string RawTarget, string QueryString, string Host, string Protocol,
        string Scheme, string[][] Headers, long BodyLength, string BodySha256, string RemoteAddress, int RemotePort, string LocalAddress);

    private sealed record Info(int Sandbox, string Hostname, int Port, string Service);
}

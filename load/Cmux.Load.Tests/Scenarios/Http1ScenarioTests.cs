using System.Net;
using System.Net.Sockets;
using System.Text;
using Cmux.Load.Engine;
using Cmux.Load.Reporting;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;

namespace Cmux.Load.Tests.Scenarios;

/// <summary>
/// The lean HTTP/1.1 client through the engine against raw TCP servers that answer as scripted:
/// what each kind of broken answer is counted as, and connections the server drops.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class Http1ScenarioTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_malformed_answer_is_counted_as_a_protocol_error()
    {
        await using var server = RawServer.Start(_ => "HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n", closeAfter: false);
        var report = await RunAsync(server, requests: 20);

        report.Iterations.Requests.ShouldBe(20);
        report.Iterations.Errors.ShouldBe(new Dictionary<string, long> { ["protocol"] = 20 });
        report.Iterations.FailRate.ShouldBe(1);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task An_answer_cut_short_by_a_close_is_counted_as_a_reset()
    {
        await using var server = RawServer.Start(_ => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", closeAfter: true);
        var report = await RunAsync(server, requests: 20);

        report.Iterations.Errors.ShouldBe(new Dictionary<string, long> { ["connection_reset"] = 20 });
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Connection_close_answers_open_a_connection_per_request_without_failures()
    {
        await using var server = RawServer.Start(_ => "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", closeAfter: true);
        var report = await RunAsync(server, requests: 30);

        report.Iterations.Failed.ShouldBe(0);
        report.Iterations.Ok.ShouldBe(30);
        server.Connections.ShouldBe(30);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_server_that_silently_drops_kept_alive_connections_costs_no_failure()
    {
        // It answers as if keeping the connection, then closes it: the client finds out only when it
        // sends the next request there, and sends it once more on a new connection.
        await using var server = RawServer.Start(_ => Ok, closeAfter: true);
        var report = await RunAsync(server, requests: 30);

        report.Iterations.Failed.ShouldBe(0);
        report.Iterations.Ok.ShouldBe(30);
        server.Connections.ShouldBe(30);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Kept_alive_connections_carry_every_request_with_the_headers_given()
    {
        await using var server = RawServer.Start(_ => Ok, closeAfter: false);
        var options = new TargetOptions
        {
            Url = new Uri($"http://127.0.0.1:{server.Port}/"),
            HostHeader = "port-39378-vm-200.example.test",
            Headers = TargetOptions.AccessServiceToken("id.access", "secret"),
        };
        var report = await RunAsync(options, requests: 50, connections: 2);

        report.Iterations.Ok.ShouldBe(50);
        server.Connections.ShouldBeLessThanOrEqualTo(2);
        var request = server.LastRequest.ShouldNotBeNull();
        request.ShouldStartWith("GET /_cmux/bytes?size=32 HTTP/1.1\r\nHost: port-39378-vm-200.example.test\r\n");
        request.ShouldContain("CF-Access-Client-Id: id.access\r\n");
        request.ShouldContain("CF-Access-Client-Secret: secret\r\n");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Echo_sends_its_body_with_its_length()
    {
        await using var server = RawServer.Start(_ => Ok, closeAfter: false);
        using var scenario = new ScenarioOptions { Name = "echo", Size = 100, Target = new TargetOptions { Url = new Uri($"http://127.0.0.1:{server.Port}/") } }.Create();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(5), MaxRequests = 5 });

        report.Iterations.Ok.ShouldBe(5);
        report.Iterations.BytesSent.ShouldBe(500);
        server.LastRequest.ShouldNotBeNull().ShouldStartWith("POST /_cmux/echo HTTP/1.1\r\n");
        server.LastRequest.ShouldContain("Content-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n");
    }

    private static Task<LoadReport> RunAsync(RawServer server, int requests) =>
        RunAsync(new TargetOptions { Url = new Uri($"http://127.0.0.1:{server.Port}/") }, requests, connections: 1);

    private static async Task<LoadReport> RunAsync(TargetOptions target, int requests, int connections)
    {
        using var scenario = new ScenarioOptions { Name = "http", Target = target, Connections = connections }.Create();
        scenario.ShouldBeOfType<Http1Scenario>();
        return await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(connections))
        {
            Duration = TimeSpan.FromSeconds(10),
            MaxRequests = requests,
            RequestTimeout = TimeSpan.FromSeconds(5),
        });
    }

    /// <summary>
    /// A TCP server on 127.0.0.1 that reads each request's head (and a Content-Length body) and
    /// writes the scripted answer; with <c>closeAfter</c> it closes the connection after each answer.
    /// </summary>
    private sealed class RawServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<string, string> _answer;
        private readonly bool _closeAfter;
        private readonly Task _accepting;
        private int _connections;

        private RawServer(Func<string, string> answer, bool closeAfter)
        {
            _answer = answer;
            _closeAfter = closeAfter;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public string? LastRequest { get; private set; }

        public static RawServer Start(Func<string, string> answer, bool closeAfter) => new(answer, closeAfter);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    connections.Add(ServeAsync(client));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
            await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var pending = new List<byte>();
                var buffer = new byte[8192];
                while (!_stop.IsCancellationRequested)
                {
                    var request = TakeRequest(pending);
                    if (request is null)
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }
                        pending.AddRange(buffer.AsSpan(0, read));
                        continue;
                    }
                    LastRequest = request;
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(_answer(request)), _stop.Token);
                    if (_closeAfter)
                    {
                        return;
                    }
                }
            }
        }

        private static string? TakeRequest(List<byte> pending)
        {
            var text = Encoding.Latin1.GetString([.. pending]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return null;
            }
            var length = text[..end].Split("\r\n")
                .Where(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                .Select(line => int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault();
            var total = end + 4 + length;
            if (text.Length < total)
            {
                return null;
            }
            pending.RemoveRange(0, total);
            return text[..total];
        }
    }
}

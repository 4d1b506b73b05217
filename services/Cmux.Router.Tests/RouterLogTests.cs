using Cmux.Router.Tests.Differential;

namespace Cmux.Router.Tests;

/// <summary>
/// The router as its own process, logging at Information to its console, driven with a secret in
/// the query string and in a header on every kind of answer: the secret must appear in no line.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class RouterLogTests(SandboxFixture sandbox)
{
    private const string Secret = "s3cr3t-7f2c9a";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task No_query_string_or_header_reaches_the_log_at_information()
    {
        var endpoint = LocalProcesses.FreeLoopbackEndpoint();
        await using var router = await NamespacedProcess.StartAsync(NamespacedProcess.RouterCommand, [],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://{endpoint}",
                ["Router__HostsFile"] = sandbox.HostsFile,
                ["Router__HostsFileOnly"] = "true",
                ["Logging__LogLevel__Default"] = "Information",
                ["Logging__Console__FormatterName"] = "simple",
                ["DOTNET_gcServer"] = "0",
            },
            endpoint);
        var up = $"port-{Cmux.Contract.SandboxPorts.Execd}-vm-{SandboxFixture.Id}.example.com";
        string[] hosts =
        [
            up,                                                   // forwarded, 200
            $"port-39399-vm-{SandboxFixture.Id}.example.com",     // backend down, 502
            "port-39375-vm-999.example.com",                      // unknown sandbox, 502
            "port-99999-vm-1.example.com",                        // bad port, 502
            "example.com",                                        // no route, 404
        ];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var statuses = new List<int>();
        foreach (var host in hosts)
        {
            foreach (var target in (string[])[$"/_cmux/echo?token={Secret}", $"/?tkn={Secret}&x=1", $"/{Secret}"])
            {
                var responses = await RawHttpConnection.ExchangeAsync(endpoint,
                    [RawRequest.Of($"GET {target} HTTP/1.1", $"Host: {host}", $"Authorization: Bearer {Secret}", $"Cookie: t={Secret}")], cts.Token);
                statuses.Add(responses.Single().Status);
            }
        }
        var health = await RawHttpConnection.ExchangeAsync(endpoint, [RawRequest.Of($"GET /health?token={Secret} HTTP/1.1", "Host: localhost")], cts.Token);
        statuses.Add(health.Single().Status);

        statuses.ShouldContain(200);
        statuses.ShouldContain(502);
        statuses.ShouldContain(404);
        // A graceful stop flushes the console logger's queue. The log is live at Information (the
        // host's start and stop lines are there), so silence about requests is the filters' doing.
        await router.StopAsync();
        router.Output.ShouldContain("Application is shutting down", Case.Sensitive, router.Output);
        router.Output.ShouldNotContain(Secret, Case.Insensitive, router.Output);
    }
}

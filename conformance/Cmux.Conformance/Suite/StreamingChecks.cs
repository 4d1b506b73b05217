using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Report;

namespace Cmux.Conformance.Suite;

/// <summary>What the proxy chain does to a request and to a response that streams, seen from the sandbox's side by the probe.</summary>
public static class StreamingChecks
{
    public static readonly ConformanceCheck RequestIntact = new()
    {
        ShortName = "http-request-intact",
        Feature = Features.Streaming,
        Description = "A request reaches the sandbox as sent: method, path and query byte for byte, body length, the client's own headers.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var sandbox = await c.ProbedSandboxAsync();
            const string target = "/_cmux/echo?q=a%2Fb&u=%C3%A9&empty=";
            var url = c.ProbeUrl(sandbox, target);
            using var client = c.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent("twelve bytes") };
            request.Headers.TryAddWithoutValidation("X-Cmux-Check", "intact; a=1");
            using var response = await client.SendAsync(request, c.Timeout());
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(c.Timeout())).RootElement;
            echo.GetProperty("method").GetString().ShouldBe("PUT");
            echo.GetProperty("target").GetString().ShouldBe(target);
            echo.GetProperty("bodyLength").GetInt64().ShouldBe(12);
            var headers = echo.GetProperty("headers").EnumerateArray().Select(h => (Name: h[0].GetString()!, Value: h[1].GetString()!)).ToList();
            string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            Header("X-Cmux-Check").ShouldBe("intact; a=1");
            c.Observe(KnownDifferences.UpstreamHost, Header("Host") == url.Host ? "the public host name" : $"not the public name: {Header("Host")}");
            c.Observe(KnownDifferences.ForwardedProto, Header("X-Forwarded-Proto") is { } proto ? $"X-Forwarded-Proto: {proto}" : "no X-Forwarded-Proto");
        },
    };

    public static readonly ConformanceCheck EventStream = new()
    {
        ShortName = "sse-stream",
        Feature = Features.Streaming,
        Description = "Server-sent events arrive as the sandbox sends them, not held back until the response ends.",
        Tools = [Tool.Probe],
        Test = async c =>
        {
            var sandbox = await c.ProbedSandboxAsync();
            using var client = c.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, c.ProbeUrl(sandbox, "/_cmux/sse?count=5&interval=400"));
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, c.Timeout());
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("text/event-stream");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(c.Timeout()));
            var clock = Stopwatch.StartNew();
            var arrivals = new List<TimeSpan>();
            while (await reader.ReadLineAsync(c.Timeout()) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    arrivals.Add(clock.Elapsed);
                }
            }
            arrivals.Count.ShouldBe(5, "every event arrives");
            // Sent 400 ms apart: buffered until the end, they would all arrive at once.
            (arrivals[^1] - arrivals[0]).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(800),
                $"the events arrived within {(arrivals[^1] - arrivals[0]).TotalMilliseconds:F0} ms of each other: buffered by the chain");
        },
    };
}

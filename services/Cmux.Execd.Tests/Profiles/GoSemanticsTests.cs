using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Cmux.Contract;
using static Cmux.Execd.Tests.Profiles.CmuxProfileTests;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>
/// The cmux profile behaves as cmux's Go daemon (karlorz/cmux scripts/execd/main.go, docs/contracts.md
/// §4.2) where cmux relies on it: processes, request reading, routes, auth parsing, line splitting.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class GoSemanticsTests : IAsyncLifetime
{
    private ExecdServer _execd = null!;

    public async Task InitializeAsync() => _execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, "WaitDelayMs=500");

    public async Task DisposeAsync() => await _execd.DisposeAsync();

    [Fact]
    public async Task Background_children_outlive_the_command()
    {
        var log = Path.Combine(_execd.Root, "orchestrator.log");
        var events = await ExecAsync($"nohup sh -c 'while :; do echo tick; sleep 0.05; done' > {log} 2>&1 & echo $!");
        var pid = int.Parse(events.Single(e => e.Type == "stdout").Data!);
        try
        {
            events[^1].Code.ShouldBe(0);
            Poll.IsAlive(pid).ShouldBeTrue("the background child was killed when the command ended");
            var size = new FileInfo(log).Length;
            await Poll.UntilAsync(() => new FileInfo(log).Length > size, "the background child goes on writing its log");
        }
        finally
        {
            Kill(pid);
        }
    }

    [Fact]
    public async Task Sigpipe_is_at_its_default_so_a_pipeline_ends_as_in_a_terminal()
    {
        var events = await ExecAsync("yes | head -n1; echo \"${PIPESTATUS[@]}\"");

        events.Where(e => e.Type == "stdout").Select(e => e.Data).ShouldBe(["y", "141 0"]);
        events.ShouldNotContain(e => e.Type == "stderr", "yes wrote a 'Broken pipe' error instead of dying of SIGPIPE");
    }

    [Theory]
    [InlineData("kill -9 $$")]
    [InlineData("kill -TERM $$")]
    public async Task A_shell_killed_by_a_signal_reports_minus_one(string command)
    {
        var events = await ExecAsync(command);

        events[^1].ShouldBe(new Event("exit", Code: -1));
    }

    public static TheoryData<string, string> LenientBodies => new()
    {
        { "unknown fields of any type", """{"command": "echo ok", "cwd": 5, "env": ["A=1"], "x": {"y": [null, 1.5, true]}}""" },
        { "field names in any case", """{"COMMAND": "echo ok"}""" },
        { "mixed case", """{"Command": "echo ok", "Timeout_MS": 60000}""" },
        { "long s folds to s", """{"command": "echo ok", "timeout_m\u017f": 60000}""" },
        { "the last duplicate wins", """{"command": "echo no", "COMMAND": "echo ok"}""" },
        { "trailing data after the object", """{"command": "echo ok"} and then {"garbage" """ },
        { "a second object after the first", """{"command": "echo ok"}{"command": "echo no"}""" },
        { "timeout_ms of 2^31", """{"command": "echo ok", "timeout_ms": 2147483648}""" },
        { "timeout_ms of 2^32", """{"command": "echo ok", "timeout_ms": 4294967296}""" },
        { "timeout_ms whose nanoseconds overflow int64", """{"command": "echo ok", "timeout_ms": 9223372036854775807}""" },
    };

    [Theory]
    [MemberData(nameof(LenientBodies))]
    public async Task Request_reading_is_as_lenient_as_gos_encoding_json(string what, string body)
    {
        using var response = await PostAsync(body, "application/json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, what);
        var events = await ReadEventsAsync(response);
        events.Where(e => e.Type == "stdout").Select(e => e.Data).ShouldBe(["ok"], what);
        events[^1].Code.ShouldBe(0, what);
    }

    [Fact]
    public async Task A_case_folded_timeout_field_is_the_timeout()
    {
        using var response = await PostAsync("""{"command": "sleep 30", "TIMEOUT_MS": 200}""", "application/json");

        (await ReadEventsAsync(response)).ShouldBe([new Event("error", Message: "timeout after 200ms"), new Event("exit", Code: ExecContract.TimeoutExitCode)]);
    }

    [Theory]
    [InlineData("application/json-patch+json")]
    [InlineData("text/plain; note=application/json")]
    [InlineData("APPLICATION/JSON;charset=latin1")]
    public async Task Any_content_type_containing_application_json_is_json(string contentType)
    {
        using var response = await PostAsync("""{"command": "echo ok"}""", contentType);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/exec/")]
    [InlineData("/EXEC")]
    [InlineData("/Exec")]
    [InlineData("/healthz/")]
    [InlineData("/files/")]
    public async Task Only_the_exact_paths_are_served(string path)
    {
        using var response = await _execd.Client.PostAsync(path, new StringContent("""{"command": "echo ok"}""", Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldBe("404 page not found\n");
    }

    [Theory]
    [InlineData("//exec", "/exec")]
    [InlineData("/./exec?x=1", "/exec?x=1")]
    [InlineData("/a/../healthz", "/healthz")]
    [InlineData("//exec/", "/exec/")]
    public async Task An_unclean_path_is_redirected_301_to_its_clean_form(string target, string location)
    {
        // Raw bytes: HttpClient would clean the path itself.
        var answer = await RawAsync($"POST {target} HTTP/1.1\r\nHost: execd\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");

        answer.ShouldStartWith("HTTP/1.1 301 ");
        answer.ShouldContain($"\r\nLocation: {location}\r\n");
    }

    [Theory]
    [InlineData("bearer tok")]
    [InlineData("Bearer  tok")]
    [InlineData("BEARER tok")]
    public async Task Bearer_is_parsed_as_go_does_exact_prefix_and_one_space(string authorization)
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, "AuthToken=tok");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec") { Content = JsonContent.Create(new { command = "true" }) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await execd.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Every_trailing_carriage_return_is_stripped_and_blank_lines_dropped()
    {
        var events = await ExecAsync("printf 'a\\r\\r\\r\\nb\\r\\n\\r\\r\\nc\\r'");

        events.Where(e => e.Type == "stdout").Select(e => e.Data).ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public async Task Each_byte_of_invalid_utf8_becomes_one_replacement_character()
    {
        // A truncated three-byte sequence, then a lone continuation byte, then valid text.
        var events = await ExecAsync("printf '\\xe2\\x82|\\x80|\\xe2\\x82\\xac\\n'");

        events.Single(e => e.Type == "stdout").Data.ShouldBe("\uFFFD\uFFFD|\uFFFD|\u20AC");
    }

    [Theory]
    [InlineData(1024 * 1024 - 1, true, true)]
    [InlineData(1024 * 1024, true, false)]
    [InlineData(1024 * 1024 - 1, false, true)]
    [InlineData(1024 * 1024, false, false)]
    public async Task A_line_of_one_mebibyte_or_more_is_rejected_one_byte_less_is_kept(int length, bool newline, bool kept)
    {
        // With a newline, then another line; without, the long line ends the stream.
        var line = $"head -c {length} /dev/zero | tr '\\0' a";
        var events = await ExecAsync(newline ? $"{line}; echo; echo after" : $"echo before; {line}");

        var lines = events.Where(e => e.Type == "stdout").Select(e => e.Data!).ToList();
        var other = newline ? "after" : "before";
        if (kept)
        {
            lines.Count.ShouldBe(2);
            lines.ShouldContain(l => l.Length == length && l.All(c => c == 'a'));
            lines.ShouldContain(other);
        }
        else
        {
            events.ShouldContain(e => e.Type == "error");
            lines.ShouldBe([other]);
        }
    }

    private async Task<List<Event>> ExecAsync(string command)
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", new { command });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await ReadEventsAsync(response);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return _execd.Client.PostAsync("/exec", content);
    }

    private async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_execd.Url.Host, _execd.Url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync();
    }

    private static void Kill(int pid)
    {
        using var kill = Process.Start("kill", ["-9", $"{pid}"]);
        kill.WaitForExit();
    }
}

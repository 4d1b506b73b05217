using System.Formats.Tar;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cmux.Contract;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>The current Go daemon's contract (docs/contracts.md §4), without a token.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class CmuxProfileTests : IAsyncLifetime
{
    private ExecdServer _execd = null!;

    public async Task InitializeAsync() => _execd = await ExecdServer.StartAsync(ExecdProfile.Cmux);

    public async Task DisposeAsync() => await _execd.DisposeAsync();

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Healthz_answers_ok_to_any_method(string method)
    {
        using var response = await _execd.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/healthz"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
    }

    [Fact]
    public async Task Exec_streams_ndjson_lines_then_the_exit_code()
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", new { command = "printf 'one\\r\\n\\ntwo'; echo bad >&2; exit 4" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/jsonlines");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var events = await ReadEventsAsync(response);
        events.Where(e => e.Type == "stdout").Select(e => e.Data).ShouldBe(["one", "two"]);
        events.Where(e => e.Type == "stderr").Select(e => e.Data).ShouldBe(["bad"]);
        events[^1].ShouldBe(new Event("exit", Code: 4));
    }

    [Fact]
    public async Task Events_arrive_while_the_command_still_runs()
    {
        var marker = Path.Combine(_execd.Root, "go-on");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec")
        {
            Content = JsonContent.Create(new { command = $"echo first; while [ ! -e {marker} ]; do sleep 0.02; done; echo second" }),
        };
        using var response = await _execd.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        (await reader.ReadLineAsync()).ShouldBe("""{"type":"stdout","data":"first"}""");
        await File.WriteAllTextAsync(marker, "");
        (await reader.ReadLineAsync()).ShouldBe("""{"type":"stdout","data":"second"}""");
        (await reader.ReadLineAsync()).ShouldBe("""{"type":"exit","code":0}""");
    }

    [Fact]
    public async Task A_timeout_reports_an_error_event_and_exit_124()
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", new { command = "echo started; sleep 300", timeout_ms = 200 });

        var events = await ReadEventsAsync(response);
        events.ShouldBe([new Event("stdout", Data: "started"), new Event("error", Message: "timeout after 200ms"), new Event("exit", Code: ExecContract.TimeoutExitCode)]);
    }

    [Fact]
    public async Task A_line_over_one_mebibyte_is_an_error_event_and_the_stream_goes_on()
    {
        using var response = await _execd.Client.PostAsJsonAsync("/exec", new { command = "head -c 1100000 /dev/zero | tr '\\0' a; echo; echo after" });

        var events = await ReadEventsAsync(response);
        events.Select(e => e.Type).ShouldBe(["error", "stdout", "exit"]);
        events[1].Data.ShouldBe("after");
    }

    [Fact]
    public async Task A_client_that_goes_away_kills_its_command()
    {
        var pidFile = Path.Combine(_execd.Root, "client-gone.pid");
        using var cancel = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec")
        {
            Content = JsonContent.Create(new { command = $"echo $$ > {pidFile}; echo started; sleep 300" }),
        };
        using var response = await _execd.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        (await reader.ReadLineAsync(cancel.Token)).ShouldBe("""{"type":"stdout","data":"started"}""");

        await cancel.CancelAsync();
        response.Dispose();

        await Poll.UntilGoneAsync(int.Parse(await File.ReadAllTextAsync(pidFile)));
    }

    [Fact]
    public async Task Files_extracts_a_tar_into_the_workspace()
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "src/hello.txt") { DataStream = new MemoryStream("hi there"u8.ToArray()) };
            await writer.WriteEntryAsync(entry);
        }

        using var response = await _execd.Client.PostAsync("/files", new ByteArrayContent(tar.ToArray()));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        (await File.ReadAllTextAsync(Path.Combine(_execd.Workspace, "src", "hello.txt"))).ShouldBe("hi there");
    }

    [Fact]
    public async Task Files_refuses_other_methods()
    {
        using var get = await _execd.Client.GetAsync("/files");

        get.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    public async Task Files_answers_a_bad_or_empty_tar_with_500_as_go_does(string kind)
    {
        byte[] body = kind == "empty" ? [] : Encoding.ASCII.GetBytes(new string('z', 1024));

        using var response = await _execd.Client.PostAsync("/files", new ByteArrayContent(body));

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("tar extraction failed: ");
    }

    internal static async Task<List<Event>> ReadEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<Event>(line, JsonSerializerOptions.Web)!)
            .ToList();
    }

    internal sealed record Event(string Type, string? Data = null, string? Message = null, int? Code = null);
}

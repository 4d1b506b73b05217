using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Morph.Tests.Api;

/// <summary>The Morph fake's instance API: every call, its errors, and the sandbox behind each instance.</summary>
[Collection(MorphFakeCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.MorphApi)]
public sealed class MorphApiTests(MorphFakeFixture morph) : IAsyncLifetime
{
    private readonly MorphSession _session = new(morph);

    private HttpClient Api => _session.Api;

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Requests_without_the_api_key_are_refused_with_401(string? key)
    {
        using var api = morph.ApiClient(key);

        using var response = await api.GetAsync("instance");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorCodeAsync(response)).ShouldBe("unauthorized");
    }

    [Fact]
    public async Task A_started_instance_is_pending_then_ready_on_its_own_sandbox()
    {
        var started = await _session.StartAsync(new { metadata = new { purpose = "lifecycle" }, ttl_seconds = 600, ttl_action = "stop" });
        started.GetProperty("status").GetString().ShouldBe("pending");
        var id = started.GetProperty("id").GetString()!;

        var ready = await _session.WaitForStatusAsync(id, "ready");

        id.ShouldStartWith("morphvm_");
        ready.GetProperty("object").GetString().ShouldBe("instance");
        ready.GetProperty("refs").GetProperty("snapshot_id").GetString().ShouldBe(MorphFakeFixture.Snapshot);
        ready.GetProperty("metadata").GetProperty("purpose").GetString().ShouldBe("lifecycle");
        ready.GetProperty("ttl").GetProperty("ttl_seconds").GetInt32().ShouldBe(600);
        ready.GetProperty("ttl").GetProperty("ttl_action").GetString().ShouldBe("stop");
        ready.GetProperty("wake_on").GetProperty("wake_on_http").GetBoolean().ShouldBeFalse();
        ready.GetProperty("networking").GetProperty("http_services").GetArrayLength().ShouldBe(0);
        var sandbox = MorphFakeFixture.SandboxIdOf(ready);
        sandbox.ShouldBeInRange(MorphFakeFixture.FirstSandboxId, MorphFakeFixture.LastSandboxId);
        (await morph.SandboxStateAsync(sandbox)).ShouldBe(SandboxState.Running);
        (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ready.GetProperty("created").GetInt64()).ShouldBeInRange(0, 60);
    }

    [Fact]
    public async Task Starting_from_an_unknown_snapshot_is_404()
    {
        using var response = await Api.PostAsJsonAsync("instance?snapshot_id=snapshot_nope", new { });

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCodeAsync(response)).ShouldBe("snapshot_not_found");
    }

    [Fact]
    public async Task Invalid_start_requests_are_422_with_one_entry_per_problem()
    {
        using var response = await Api.PostAsJsonAsync("instance", new { ttl_action = "explode", metadata = new { n = 1 } });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var locations = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").EnumerateArray()
            .Select(e => string.Join('.', e.GetProperty("loc").EnumerateArray().Select(l => l.ToString())))
            .ToList();
        locations.ShouldBe(["query.snapshot_id", "body.metadata.n", "body.ttl_action"], ignoreOrder: true);
    }

    [Fact]
    public async Task Malformed_json_is_422()
    {
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await Api.PostAsync($"instance?snapshot_id={MorphFakeFixture.Snapshot}", content);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0].GetProperty("type").GetString().ShouldBe("json_invalid");
    }

    [Fact]
    public async Task Unknown_instances_are_404_on_every_call()
    {
        var calls = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "instance/morphvm_nope"),
            (HttpMethod.Delete, "instance/morphvm_nope"),
            (HttpMethod.Post, "instance/morphvm_nope/pause"),
            (HttpMethod.Post, "instance/morphvm_nope/resume"),
            (HttpMethod.Post, "instance/morphvm_nope/exec"),
            (HttpMethod.Post, "instance/morphvm_nope/exec/sse"),
            (HttpMethod.Post, "instance/morphvm_nope/http"),
            (HttpMethod.Delete, "instance/morphvm_nope/http/port-1"),
            (HttpMethod.Post, "instance/morphvm_nope/wake-on"),
            (HttpMethod.Get, "instances/morphvm_nope"),
        };
        foreach (var (method, path) in calls)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { command = new[] { "true" } }) };
            using var response = await Api.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{method} {path}");
            (await ErrorCodeAsync(response)).ShouldBe("instance_not_found", $"{method} {path}");
        }
    }

    [Fact]
    public async Task List_filters_by_metadata_as_the_sdks_send_it()
    {
        var tag = Guid.NewGuid().ToString("N");
        var tagged = await _session.StartReadyAsync(new { metadata = new { run = tag } });
        var other = await _session.StartReadyAsync(new { metadata = new { run = "other" } });

        var all = await Api.GetFromJsonAsync<JsonElement>("instance");
        var filtered = await Api.GetFromJsonAsync<JsonElement>($"instance?metadata[run]={tag}");

        Ids(all).ShouldContain(tagged.GetProperty("id").GetString());
        Ids(all).ShouldContain(other.GetProperty("id").GetString());
        Ids(filtered).ShouldBe([tagged.GetProperty("id").GetString()]);
    }

    [Fact]
    public async Task Delete_destroys_the_instance_and_its_sandbox()
    {
        var instance = await _session.StartReadyAsync();
        var id = instance.GetProperty("id").GetString();

        using var deleted = await Api.DeleteAsync($"instance/{id}");

        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await morph.SandboxStateAsync(MorphFakeFixture.SandboxIdOf(instance))).ShouldBeNull();
        using var after = await Api.GetAsync($"instance/{id}");
        after.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_pending_instance_leaves_no_sandbox_behind()
    {
        var instance = await _session.StartAsync();

        using var deleted = await Api.DeleteAsync($"instance/{instance.GetProperty("id").GetString()}");

        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await morph.SandboxStateAsync(MorphFakeFixture.SandboxIdOf(instance))).ShouldBeNull();
    }

    [Fact]
    public async Task Pause_and_resume_move_the_instance_and_its_sandbox()
    {
        var instance = await _session.StartReadyAsync();
        var id = instance.GetProperty("id").GetString();
        var sandbox = MorphFakeFixture.SandboxIdOf(instance);

        using var paused = await Api.PostAsync($"instance/{id}/pause", null);
        (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("paused");
        (await morph.SandboxStateAsync(sandbox)).ShouldBe(SandboxState.Paused);
        using var pausedTwice = await Api.PostAsync($"instance/{id}/pause", null);
        pausedTwice.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await pausedTwice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("paused");
        (await morph.SandboxStateAsync(sandbox)).ShouldBe(SandboxState.Paused);
        using var execWhilePaused = await Api.PostAsJsonAsync($"instance/{id}/exec", new { command = new[] { "true" } });
        execWhilePaused.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var resumed = await Api.PostAsync($"instance/{id}/resume", null);
        (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("ready");
        (await morph.SandboxStateAsync(sandbox)).ShouldBe(SandboxState.Running);
        using var resumedTwice = await Api.PostAsync($"instance/{id}/resume", null);
        resumedTwice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorCodeAsync(resumedTwice)).ShouldBe("instance_not_paused");
    }

    [Fact]
    public async Task Http_services_carry_their_auth_mode_which_defaults_to_none()
    {
        var id = morph.SharedInstance;

        using var plain = await Api.PostAsJsonAsync($"instance/{id}/http", new { name = "mode-default", port = 39378 });
        using var keyed = await Api.PostAsJsonAsync($"instance/{id}/http", new { name = "mode-key", port = 39378, auth_mode = "api_key" });
        var listed = Services(await Api.GetFromJsonAsync<JsonElement>($"instance/{id}")).ToDictionary(s => s.GetProperty("name").GetString()!);

        plain.StatusCode.ShouldBe(HttpStatusCode.OK);
        keyed.StatusCode.ShouldBe(HttpStatusCode.OK);
        listed["mode-default"].GetProperty("auth_mode").GetString().ShouldBe("none");
        listed["mode-key"].GetProperty("auth_mode").GetString().ShouldBe("api_key");
        (await Api.DeleteAsync($"instance/{id}/http/mode-default")).Dispose();
        (await Api.DeleteAsync($"instance/{id}/http/mode-key")).Dispose();
    }

    [Fact]
    public async Task A_snapshot_id_in_the_body_starts_the_instance_and_wins_over_the_query()
    {
        using var bodyOnly = await Api.PostAsJsonAsync("instance", new { snapshot_id = MorphFakeFixture.Snapshot });
        using var both = await Api.PostAsJsonAsync("instance?snapshot_id=snapshot_nope", new { snapshot_id = MorphFakeFixture.Snapshot });
        using var bodyLoses = await Api.PostAsJsonAsync($"instance?snapshot_id={MorphFakeFixture.Snapshot}", new { snapshot_id = "snapshot_nope" });
        using var neither = await Api.PostAsJsonAsync("instance", new { });

        foreach (var started in new[] { bodyOnly, both })
        {
            started.StatusCode.ShouldBe(HttpStatusCode.OK);
            var instance = await started.Content.ReadFromJsonAsync<JsonElement>();
            instance.GetProperty("refs").GetProperty("snapshot_id").GetString().ShouldBe(MorphFakeFixture.Snapshot);
            (await Api.DeleteAsync($"instance/{MorphSession.Id(instance)}")).Dispose();
        }
        bodyLoses.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCodeAsync(bodyLoses)).ShouldBe("snapshot_not_found");
        neither.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task The_plural_instance_routes_are_aliases_of_the_singular_ones()
    {
        using var started = await Api.PostAsJsonAsync($"instances?snapshot_id={MorphFakeFixture.Snapshot}", new { metadata = new { route = "plural" } });
        started.StatusCode.ShouldBe(HttpStatusCode.OK);
        var id = MorphSession.Id(await started.Content.ReadFromJsonAsync<JsonElement>());
        await _session.WaitForStatusAsync(id, "ready");

        var one = await Api.GetFromJsonAsync<JsonElement>($"instances/{id}");
        var listed = await Api.GetFromJsonAsync<JsonElement>("instances?metadata[route]=plural");
        using var exec = await Api.PostAsJsonAsync($"instances/{id}/exec", new { command = new[] { "echo", "plural" } });
        using var exposed = await Api.PostAsJsonAsync($"instances/{id}/http", new { name = "web", port = 39378 });
        using var paused = await Api.PostAsync($"instances/{id}/pause", null);
        using var resumed = await Api.PostAsync($"instances/{id}/resume", null);
        using var deleted = await Api.DeleteAsync($"instances/{id}");

        one.GetProperty("id").GetString().ShouldBe(id);
        Ids(listed).ShouldBe([id]);
        (await exec.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stdout").GetString().ShouldBe("plural\n");
        exposed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("paused");
        (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("ready");
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Api.GetAsync($"instance/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wake_on_changes_only_the_settings_given_and_answers_the_instance()
    {
        var instance = await _session.StartReadyAsync();
        var id = MorphSession.Id(instance);

        using var http = await Api.PostAsJsonAsync($"instance/{id}/wake-on", new { wake_on_http = true });
        using var ssh = await Api.PostAsJsonAsync($"instance/{id}/wake-on", new { wake_on_ssh = true });
        using var off = await Api.PostAsJsonAsync($"instance/{id}/wake-on", new { wake_on_http = false });
        using var bad = await Api.PostAsJsonAsync($"instance/{id}/wake-on", new { wake_on_http = "sometimes" });

        WakeOn(await http.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe((Ssh: false, Http: true));
        WakeOn(await ssh.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe((Ssh: true, Http: true));
        WakeOn(await off.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe((Ssh: true, Http: false));
        WakeOn(await Api.GetFromJsonAsync<JsonElement>($"instance/{id}")).ShouldBe((Ssh: true, Http: false));
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0].GetProperty("type").GetString().ShouldBe("bool_type");
    }

    private static (bool Ssh, bool Http) WakeOn(JsonElement instance)
    {
        var wake = instance.GetProperty("wake_on");
        return (wake.GetProperty("wake_on_ssh").GetBoolean(), wake.GetProperty("wake_on_http").GetBoolean());
    }

    [Fact]
    public async Task Exec_runs_a_list_as_argv_and_a_string_through_a_shell()
    {
        var id = morph.SharedInstance;

        var argv = await ExecAsync(id, new[] { "printf", "%s|", "a b", "$HOME", "it's" });
        var shell = await ExecAsync(id, new[] { "printf 'x\\ny\\nz\\n' | grep -v y && echo done" });
        var single = await ExecAsync(id, new[] { "echo one | tr a-z A-Z" });

        argv.GetProperty("stdout").GetString().ShouldBe("a b|$HOME|it's|");
        shell.GetProperty("stdout").GetString().ShouldBe("x\nz\ndone\n");
        single.GetProperty("stdout").GetString().ShouldBe("ONE\n");
        argv.GetProperty("exit_code").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Exec_reports_stderr_and_exit_codes()
    {
        var id = morph.SharedInstance;

        var result = await ExecAsync(id, new[] { "echo out; echo err >&2; exit 7" });

        result.GetProperty("stdout").GetString().ShouldBe("out\n");
        result.GetProperty("stderr").GetString().ShouldBe("err\n");
        result.GetProperty("exit_code").GetInt32().ShouldBe(7);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"command\": []}")]
    [InlineData("{\"command\": [1, 2]}")]
    [InlineData("{\"command\": [\"   \"]}")]
    [InlineData("{\"command\": \"echo a bare string, as no SDK sends it\"}")]
    [InlineData("")]
    public async Task Exec_without_a_valid_command_is_422(string body)
    {
        var id = morph.SharedInstance;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await Api.PostAsync($"instance/{id}/exec", content);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Exec_on_a_pending_instance_is_409()
    {
        var id = (await _session.StartAsync()).GetProperty("id").GetString();

        using var response = await Api.PostAsJsonAsync($"instance/{id}/exec", new { command = new[] { "true" } });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorCodeAsync(response)).ShouldBe("instance_not_ready");
    }

    [Fact]
    public async Task Exec_over_sse_streams_typed_events_then_done()
    {
        var id = morph.SharedInstance;

        using var response = await Api.PostAsJsonAsync($"instance/{id}/exec/sse", new { command = new[] { "sh", "-c", "echo out; echo err >&2; exit 3" } });

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var data = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : throw new ShouldAssertException($"not an SSE data line: {e}"))
            .ToList();
        data[^1].ShouldBe("[DONE]");
        var events = data[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(["stdout", "stderr", "exit_code"]);
        events[0].GetProperty("content").GetString().ShouldBe("out\n");
        events[1].GetProperty("content").GetString().ShouldBe("err\n");
        events[2].GetProperty("content").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task Expose_and_hide_http_services()
    {
        var id = morph.SharedInstance;

        using var exposed = await Api.PostAsJsonAsync($"instance/{id}/http", new { name = "hide-me", port = 39378, auth_mode = "none" });
        var service = Services(await exposed.Content.ReadFromJsonAsync<JsonElement>()).Single(s => s.GetProperty("name").GetString() == "hide-me");
        service.GetProperty("port").GetInt32().ShouldBe(39378);
        service.GetProperty("auth_mode").GetString().ShouldBe("none");
        service.GetProperty("url").GetString().ShouldBe($"https://hide-me-{id.Replace('_', '-')}.{MorphFakeFixture.Domain}");

        using var hidden = await Api.DeleteAsync($"instance/{id}/http/hide-me");
        Services(await hidden.Content.ReadFromJsonAsync<JsonElement>()).ShouldNotContain(s => s.GetProperty("name").GetString() == "hide-me");
        using var hiddenTwice = await Api.DeleteAsync($"instance/{id}/http/hide-me");
        hiddenTwice.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCodeAsync(hiddenTwice)).ShouldBe("service_not_found");
    }

    [Theory]
    [InlineData("{\"port\": 80}", "body.name")]
    [InlineData("{\"name\": \"web\"}", "body.port")]
    [InlineData("{\"name\": \"web\", \"port\": 70000}", "body.port")]
    [InlineData("{\"name\": \"Web_1\", \"port\": 80}", "body.name")]
    [InlineData("{\"name\": \"web\", \"port\": 80, \"auth_mode\": \"basic\"}", "body.auth_mode")]
    public async Task Invalid_services_are_422(string body, string location)
    {
        var id = morph.SharedInstance;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await Api.PostAsync($"instance/{id}/http", content);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail");
        string.Join('.', detail[0].GetProperty("loc").EnumerateArray().Select(l => l.ToString())).ShouldBe(location);
    }

    [Fact]
    public async Task Exposing_on_an_instance_that_is_not_ready_is_409()
    {
        var id = (await _session.StartAsync()).GetProperty("id").GetString();

        using var response = await Api.PostAsJsonAsync($"instance/{id}/http", new { name = "web", port = 80 });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorCodeAsync(response)).ShouldBe("instance_not_ready");
    }

    [Fact]
    public async Task An_instance_whose_machine_is_gone_answers_502()
    {
        var instance = await _session.StartReadyAsync();
        var id = MorphSession.Id(instance);
        (await morph.Sandboxes.DeleteAsync(MorphFakeFixture.SandboxIdOf(instance))).ShouldBeTrue();

        using var exec = await Api.PostAsJsonAsync($"instance/{id}/exec", new { command = new[] { "true" } });
        using var pause = await Api.PostAsync($"instance/{id}/pause", null);

        exec.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        (await ErrorCodeAsync(exec)).ShouldBe("instance_unreachable");
        pause.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        (await ErrorCodeAsync(pause)).ShouldBe("instance_unreachable");
    }

    private async Task<JsonElement> ExecAsync(string? id, object command)
    {
        using var response = await Api.PostAsJsonAsync($"instance/{id}/exec", new { command });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
        return body.GetProperty("error_code").GetString();
    }

    private static List<JsonElement> Services(JsonElement instance) =>
        instance.GetProperty("networking").GetProperty("http_services").EnumerateArray().ToList();

    private static List<string?> Ids(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _session.DisposeAsync();
}

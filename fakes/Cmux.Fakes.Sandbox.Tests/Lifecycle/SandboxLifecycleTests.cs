using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Sandbox.Tests.Lifecycle;

/// <summary>The control API: create, start, stop, pause, resume, delete, and every refusal.</summary>
[Collection(SandboxHostCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class SandboxLifecycleTests(SandboxHostFixture host)
{
    [Fact]
    public async Task Create_is_idempotent_and_reports_the_sandbox()
    {
        var id = host.NextId();

        using var first = await host.Http.PutAsJsonAsync($"sandboxes/{id}", new { hostname = "my-box" });
        using var again = await host.Http.PutAsJsonAsync($"sandboxes/{id}", new { hostname = "my-box" });

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var info = (await host.Client.GetAsync(id))!;
        info.ShouldBe(info with { Id = id, Hostname = "my-box", Address = SandboxAddress.For(id).ToString(), State = SandboxState.Created });
        info.Ports.ShouldBe(SandboxPorts.All);
        Directory.Exists(info.Workspace).ShouldBeTrue();
        (await host.Client.ListAsync()).Select(s => s.Id).ShouldContain(id);
        (await host.Client.DeleteAsync(id)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("abc")]
    [InlineData("-5")]
    public async Task A_bad_id_is_refused_with_400(string id)
    {
        using var response = await host.Http.PutAsJsonAsync($"sandboxes/{id}", new { });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<HostError>())!.Error.ShouldContain("must be an integer in 1..65535");
    }

    [Fact]
    public async Task A_bad_hostname_is_refused_with_400()
    {
        var error = await Should.ThrowAsync<SandboxHostException>(host.Client.CreateAsync(host.NextId(), new CreateSandboxRequest("Not_A.Label")));

        error.Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    /// <summary>What cmux's PVE 8 hook and the template's token-init do together: execd then requires the token.</summary>
    [Fact]
    public async Task A_token_in_the_start_environment_is_the_one_execd_requires_and_a_later_start_keeps_it()
    {
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest(ExecdProfile: Profiles.Cmux));
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var sandbox = await host.Client.StartAsync(id, new StartSandboxRequest(new Dictionary<string, string> { ["CMUX_EXECD_AUTH_TOKEN"] = token }));
        try
        {
            var file = Path.Combine(host.DataDir, "sandboxes", $"{id}", "home", ".worker-auth-token");
            (await File.ReadAllTextAsync(file)).ShouldBe(token);
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the token is a secret");
            }
            (await ExecStatusAsync(sandbox, token: null)).ShouldBe(HttpStatusCode.Unauthorized);
            (await ExecStatusAsync(sandbox, token)).ShouldBe(HttpStatusCode.OK);

            await host.Client.StopAsync(id);
            sandbox = await host.Client.StartAsync(id);
            (await File.ReadAllTextAsync(file)).ShouldBe(token);
            (await ExecStatusAsync(sandbox, token: null)).ShouldBe(HttpStatusCode.Unauthorized);
        }
        finally
        {
            await host.Client.DeleteAsync(id);
        }
    }

    [Fact]
    public async Task A_malformed_start_body_is_refused_with_400_and_nothing_starts()
    {
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest());
        try
        {
            using var response = await host.Http.PostAsync($"sandboxes/{id}/start", new StringContent("{\"environment\": [", Encoding.UTF8, "application/json"));

            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.Content.ReadFromJsonAsync<HostError>())!.Error.ShouldStartWith("invalid JSON body");
            (await host.Client.GetAsync(id))!.State.ShouldBe(SandboxState.Created);
        }
        finally
        {
            await host.Client.DeleteAsync(id);
        }
    }

    private static async Task<HttpStatusCode> ExecStatusAsync(SandboxInfo sandbox, string? token)
    {
        using var execd = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.Execd);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec") { Content = JsonContent.Create(new { command = "echo hi" }) };
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        using var response = await execd.SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    [InlineData(Profiles.Cmux, "application/jsonlines")]
    [InlineData(Profiles.Seed, "application/json")]
    public async Task A_sandbox_may_ask_for_its_own_execd_profile(string profile, string mediaType)
    {
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest(ExecdProfile: profile));
        var sandbox = await host.Client.StartAsync(id);
        try
        {
            using var execd = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.Execd);
            using var response = await execd.PostAsJsonAsync("/exec", new { command = "echo hi" });

            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType?.MediaType.ShouldBe(mediaType);
        }
        finally
        {
            await host.Client.DeleteAsync(id);
        }
    }

    [Fact]
    public async Task An_unknown_execd_profile_is_refused_with_400()
    {
        var error = await Should.ThrowAsync<SandboxHostException>(host.Client.CreateAsync(host.NextId(), new CreateSandboxRequest(ExecdProfile: "morph")));

        error.Status.ShouldBe(HttpStatusCode.BadRequest);
        error.Message.ShouldContain("execdProfile");
    }

    [Fact]
    public async Task An_unknown_sandbox_is_404()
    {
        var id = host.NextId();

        (await host.Client.GetAsync(id)).ShouldBeNull();
        (await host.Client.DeleteAsync(id)).ShouldBeFalse();
        (await Should.ThrowAsync<SandboxHostException>(host.Client.StartAsync(id))).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pausing_a_sandbox_that_does_not_run_is_409()
    {
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest());

        var error = await Should.ThrowAsync<SandboxHostException>(host.Client.PauseAsync(id));

        error.Status.ShouldBe(HttpStatusCode.Conflict);
        await host.Client.DeleteAsync(id);
    }

    [Fact]
    public async Task Start_stop_start_keeps_the_workspace_and_delete_removes_it()
    {
        var sandbox = await host.StartNewAsync();
        await ExecAsync(sandbox, "echo kept > file");
        File.Exists(Path.Combine(sandbox.Workspace, "file")).ShouldBeTrue();

        (await host.Client.StopAsync(sandbox.Id)).State.ShouldBe(SandboxState.Stopped);
        (await host.Client.StartAsync(sandbox.Id)).State.ShouldBe(SandboxState.Running);
        (await ExecAsync(sandbox, "cat file")).ShouldBe("kept\n");

        (await host.Client.DeleteAsync(sandbox.Id)).ShouldBeTrue();
        Directory.Exists(sandbox.Workspace).ShouldBeFalse();
        (await host.Client.GetAsync(sandbox.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task Stop_leaves_no_process_behind()
    {
        var sandbox = await host.StartNewAsync();
        var marker = Random.Shared.Next(100_000, 999_999);
        using var execd = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.Execd);
        var running = execd.PostAsJsonAsync("/exec", new { command = $"sleep {marker}" });
        await Poll.UntilAsync(() => Processes(marker.ToString()).Count > 0, "the command runs");

        await host.Client.StopAsync(sandbox.Id);

        await Poll.UntilAsync(() => Processes(marker.ToString()).Count == 0 && Processes(Path.GetDirectoryName(sandbox.Workspace) + "/").Count == 0,
            "every process of the sandbox is gone");
        await Should.ThrowAsync<HttpRequestException>(running);
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [Fact]
    public async Task Pause_holds_requests_until_resume()
    {
        var sandbox = await host.StartNewAsync();
        using var echo = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.VsCode);

        (await host.Client.PauseAsync(sandbox.Id)).State.ShouldBe(SandboxState.Paused);
        var held = echo.GetAsync("/_cmux/info");
        var execd = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.Execd);
        var exec = execd.PostAsJsonAsync("/exec", new { command = "echo thawed" });
        (await host.Client.GetAsync(sandbox.Id))!.State.ShouldBe(SandboxState.Paused);
        held.IsCompleted.ShouldBeFalse();

        (await host.Client.ResumeAsync(sandbox.Id)).State.ShouldBe(SandboxState.Running);
        (await held).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await exec).Content.ReadAsStringAsync()).ShouldContain("thawed");
        execd.Dispose();
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [Fact]
    public async Task The_hosts_file_names_every_sandbox_and_is_rewritten_in_place()
    {
        // A handle opened before the change sees it only if the file was rewritten in place, not replaced.
        using var opened = new FileStream(host.HostsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest("named-box"));

        var lines = (await ReadFromStartAsync(opened)).Split('\n');
        lines.ShouldContain($"{host.First.Address} cmux-{host.First.Id}.lan cmux-{host.First.Id}");
        lines.ShouldContain($"{SandboxAddress.For(id)} cmux-{id}.lan cmux-{id} named-box.lan named-box");

        await host.Client.DeleteAsync(id);
        (await ReadFromStartAsync(opened)).ShouldNotContain($"cmux-{id}.lan");
    }

    [Fact]
    public async Task Every_name_of_a_sandbox_resolves_through_the_hosts_file_mounted_on_etc_hosts()
    {
        var id = host.NextId();
        await host.Client.CreateAsync(id, new CreateSandboxRequest("pvelxc-0badcafe"));

        // getaddrinfo in a child process whose /etc/hosts is the host's file, as the router's and Caddy's are.
        var resolved = await ResolveAsync(host.HostsFile, "pvelxc-0badcafe.lan", "pvelxc-0badcafe", $"cmux-{id}.lan", $"cmux-{id}");

        resolved.ShouldBe(Enumerable.Repeat(SandboxAddress.For(id).ToString(), 4).ToList(), string.Join('\n', resolved));
        await host.Client.DeleteAsync(id);
    }

    /// <summary>The first address <c>getent ahostsv4</c> gives for each name, seen with <paramref name="hostsFile"/> as /etc/hosts.</summary>
    private static async Task<List<string>> ResolveAsync(string hostsFile, params string[] names)
    {
        var lookups = string.Join(" && ", names.Select((_, i) => $"getent ahostsv4 \"${i + 2}\" | head -n1 | cut -d' ' -f1"));
        var start = new ProcessStartInfo("unshare", ["-rm", "sh", "-c", $"mount --bind \"$1\" /etc/hosts && {lookups}", "sh", hostsFile, .. names])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, error);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    internal static async Task<string> ExecAsync(SandboxInfo sandbox, string command)
    {
        using var execd = SandboxHostFixture.ClientFor(sandbox, SandboxPorts.Execd);
        using var response = await execd.PostAsJsonAsync("/exec", new { command });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<ExecAnswer>())!.Stdout;
    }

    private static List<int> Processes(string fragment) =>
        [.. Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(int.Parse!)
            .Where(pid => Poll.IsAlive(pid) && CommandLine(pid).Contains(fragment, StringComparison.Ordinal) && pid != Environment.ProcessId)];

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static async Task<string> ReadFromStartAsync(FileStream file)
    {
        file.Seek(0, SeekOrigin.Begin);
        using var reader = new StreamReader(file, leaveOpen: true);
        return await reader.ReadToEndAsync();
    }

    private sealed record HostError(string Error);

    private sealed record ExecAnswer(string Stdout, string Stderr, int ExitCode);
}

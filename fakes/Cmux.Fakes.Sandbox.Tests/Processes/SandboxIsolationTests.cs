using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Contract;
using static Cmux.Fakes.Sandbox.Tests.Lifecycle.SandboxLifecycleTests;

namespace Cmux.Fakes.Sandbox.Tests.Processes;

/// <summary>
/// Each sandbox runs the real execd on 39375 with its own home and workspace; as root (this
/// machine) in its own mount and UTS namespaces, so hostname, /root and /workspace differ per
/// sandbox as in LXC. Not root: the same checks hold for the sandbox's own folders instead.
/// </summary>
[Collection(SandboxHostCollection.Name)]
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class SandboxIsolationTests(SandboxHostFixture host)
{
    private static readonly bool Isolated = Environment.IsPrivilegedProcess;

    [Fact]
    public async Task Execd_on_39375_is_the_real_daemon()
    {
        using var execd = SandboxHostFixture.ClientFor(host.First, SandboxPorts.Execd);

        using var response = await execd.PostAsJsonAsync("/exec", new { command = "echo out; exit 7" });
        using var refused = await execd.PostAsJsonAsync("/exec", new { command = " " });

        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("exitCode").GetInt32().ShouldBe(7);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Hostname_differs_per_sandbox()
    {
        if (!Isolated)
        {
            return;
        }
        (await ExecAsync(host.First, "hostname")).ShouldBe($"cmux-{host.First.Id}\n");
        (await ExecAsync(host.Second, "hostname")).ShouldBe("second-box\n");
    }

    [Fact]
    public async Task Orphans_a_command_leaves_are_reaped()
    {
        if (!Isolated)
        {
            return;
        }
        // The background sleep outlives its shell and is adopted by the namespace's first process.
        await ExecAsync(host.First, "sleep 0.1 & echo started");

        const string Zombies = "grep -ls '^State:[[:space:]]*Z' /proc/[0-9]*/status; true";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var zombies = await ExecAsync(host.First, Zombies);
        while (zombies.Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            zombies = await ExecAsync(host.First, Zombies);
        }
        zombies.ShouldBeEmpty("an exited orphan must not stay a zombie");
    }

    [Fact]
    public async Task Home_and_workspace_are_the_sandboxs_own()
    {
        var (home, workspace) = Isolated ? ("/root", "/workspace") : (Path.Combine(Path.GetDirectoryName(host.First.Workspace)!, "home"), host.First.Workspace);

        await ExecAsync(host.First, "echo first > ~/mine; echo first > \"$PWD/mine\"; echo $HOME; pwd");
        var second = await ExecAsync(host.Second, "cat ~/mine /workspace/mine 2>&1; echo $HOME; pwd");

        (await ExecAsync(host.First, "echo $HOME; pwd")).ShouldBe($"{home}\n{workspace}\n");
        File.ReadAllText(Path.Combine(host.First.Workspace, "mine")).ShouldBe("first\n");
        second.ShouldNotContain("first");
    }
}

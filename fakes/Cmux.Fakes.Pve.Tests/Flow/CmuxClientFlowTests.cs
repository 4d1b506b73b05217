using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Cmux.Contract;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Sandbox;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Pve.Tests.Flow;

/// <summary>
/// cmux's PVE 8 path (karlorz/cmux <c>packages/pve-lxc-client</c> and its execd-token helpers;
/// docs/contracts.md §6.8), retold in our words against the fake with a real sandbox host behind
/// it: pick the vmid across LXC and QEMU, linked-clone the template (which carries the token
/// hookscript), inject the per-clone token the PVE 8 way, start, exec on <c>{hostname}.lan</c>
/// once, stop, delete. The API is called over HTTPS without verifying the certificate, as cmux
/// does. The sandbox addresses are 127.1.0.20x: run under <c>flock /work/locks/stack.lock</c> on a
/// shared machine.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.PveApi)]
public sealed class CmuxClientFlowTests : IAsyncLifetime
{
    // Occupied before the flow starts: QEMU guests on 200 and 202, a container on 201.
    private const int QemuVmid = 200;
    private const int OtherContainerVmid = 201;
    private const int SecondQemuVmid = 202;
    private const int ExpectedVmid = 203;
    private const string TokenMarker = "cmux-execd-auth-token=";

    /// <summary>The acceptance's bound for one exec (issue 14): the answer must not wait for name retries.</summary>
    private const int ExecDeadlineSeconds = 1;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("cmux-pve-flow-").FullName;
    private InProcessApp _sandboxes = null!;
    private PveFakeServer _pve = null!;
    private HttpClientHandler _insecure = null!;
    private HttpClient _api = null!;

    private string HostsFile => Path.Combine(_dataDir, "hosts");

    public async Task InitializeAsync()
    {
        _sandboxes = await InProcessApp.StartAsync(args => SandboxHostApplication.Build(args),
            $"--Sandbox:DataDir={_dataDir}", "--Sandbox:Execd:Profile=cmux", "--Sandbox:TestEndpoints=false");
        _pve = await PveFakeServer.StartAsync(
            $"--Pve:SandboxHost={_sandboxes.Url}",
            $"--Pve:Qemu:0:Vmid={QemuVmid}", "--Pve:Qemu:0:Name=windows-desktop", "--Pve:Qemu:0:Status=running",
            $"--Pve:Qemu:1:Vmid={SecondQemuVmid}", "--Pve:Qemu:1:Name=router");
        _insecure = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        _api = _pve.Client(handler: _insecure);
        _api.BaseAddress = new Uri(_pve.Https, ApiDispatcher.Prefix + "/");
    }

    [Fact]
    public async Task Cmuxs_client_flow_runs_unmodified_with_one_exec_on_the_lan_name()
    {
        await _api.RunTaskAsync(_api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", $"{OtherContainerVmid}"), ("full", "0")));
        var instanceId = $"pvelxc-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

        // The node, and the search domain that makes {hostname}.lan.
        var node = (await _api.PveGetAsync("nodes")).Data[0].GetProperty("node").GetString();
        node.ShouldBe("pve");
        var search = (await _api.PveGetAsync($"nodes/{node}/dns")).Data.GetProperty("search").GetString();
        search.ShouldBe(SandboxNames.DefaultSearchDomain);

        // The vmid: the smallest from 200 that neither a container nor a QEMU guest has.
        var lxc = await _api.PveGetAsync($"nodes/{node}/lxc");
        var qemu = await _api.PveGetAsync($"nodes/{node}/qemu");
        qemu.Status.ShouldBe(200, qemu.Raw);
        var used = Vmids(lxc).Concat(Vmids(qemu)).ToHashSet();
        new[] { 9000, QemuVmid, OtherContainerVmid, SecondQemuVmid }.ShouldAllBe(id => used.Contains(id));
        var vmid = Enumerable.Range(200, 1000).First(id => !used.Contains(id));
        vmid.ShouldBe(ExpectedVmid);

        // A linked clone named by the instance id; it inherits the template's hookscript.
        await _api.RunTaskAsync(_api.PvePostAsync($"nodes/{node}/lxc/9000/clone", ("newid", $"{vmid}"), ("hostname", instanceId), ("full", "0")));
        var template = (await _api.PveGetAsync($"nodes/{node}/lxc/9000/config")).Data;
        var hookscript = template.GetProperty("hookscript").GetString();
        hookscript.ShouldBe(PveFakeOptions.DefaultHookscript);
        var config = (await _api.PveGetAsync($"nodes/{node}/lxc/{vmid}/config")).Data;
        config.GetProperty("hookscript").GetString().ShouldBe(hookscript);
        config.GetProperty("hostname").GetString().ShouldBe(instanceId);

        // Token injection, PVE 8: no `env` in the schema, and the hookscript is root@pam's alone,
        // so the token goes into the description, where the inherited hook finds it at pre-start.
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var env = await _api.PvePutAsync($"nodes/{node}/lxc/{vmid}/config", ("env", $"CMUX_EXECD_AUTH_TOKEN={token}"));
        env.Status.ShouldBe(400, env.Raw);
        env.Error("env").ShouldNotBeNull();
        var rehook = await _api.PvePutAsync($"nodes/{node}/lxc/{vmid}/config", ("hookscript", "local:snippets/other.sh"));
        rehook.Status.ShouldBe(403, rehook.Raw);
        rehook.Reason.ShouldBe("Permission check failed (changing the hookscript is only allowed for root@pam)");
        var description = config.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
        var marked = string.Join('\n', description.TrimEnd('\n').Split('\n').Where(l => !l.TrimStart().StartsWith(TokenMarker, StringComparison.Ordinal))
            .Append(TokenMarker + token));
        (await _api.PvePutAsync($"nodes/{node}/lxc/{vmid}/config", ("description", marked))).Status.ShouldBe(200);
        var injected = (await _api.PveGetAsync($"nodes/{node}/lxc/{vmid}/config")).Data;
        injected.GetProperty("description").GetString()!.Split('\n').ShouldContain(TokenMarker + token);
        injected.GetProperty("hookscript").GetString().ShouldBe(hookscript);

        // Start: the inherited hook hands the token to the container, whose execd then requires it.
        var upid = await _api.RunTaskAsync(_api.PvePostAsync($"nodes/{node}/lxc/{vmid}/status/start"));
        (await StatusOf(vmid)).ShouldBe("running");
        var log = await TaskLogAsync(upid);
        log.ShouldContain($"hookscript {hookscript}: pre-start set CMUX_EXECD_AUTH_TOKEN");
        log.ShouldNotContain(token);
        var names = HostsLine(vmid);
        names.ShouldBe([$"cmux-{vmid}.{search}", $"cmux-{vmid}", $"{instanceId}.{search}", instanceId]);
        (await ExecOnceAsync($"{instanceId}.{search}", "echo ready", token: null)).Status.ShouldBe(401, "execd must refuse an exec without the injected token");
        (await ExecOnceAsync($"{instanceId}.{search}", "echo ready", token: new string('0', 64))).Status.ShouldBe(401, "execd must refuse a wrong token");

        // One exec on {hostname}.lan with the token: no retry, within the deadline.
        var exec = await ExecOnceAsync($"{instanceId}.{search}", "export HOME=/root XDG_RUNTIME_DIR=/run/user/0; echo ready; echo warned >&2; exit 3", token);
        exec.Status.ShouldBe(200);
        exec.RemoteIp.ShouldBe(SandboxAddress.For(vmid).ToString());
        exec.Stdout.ShouldBe(["ready"]);
        exec.Stderr.ShouldBe(["warned"]);
        exec.ExitCode.ShouldBe(3);

        // Stop and delete, as cmux's delete does: stop (its failure ignored), then DELETE.
        await _api.RunTaskAsync(_api.PvePostAsync($"nodes/{node}/lxc/{vmid}/status/stop"));
        (await StatusOf(vmid)).ShouldBe("stopped");
        await _api.RunTaskAsync(_api.PveDeleteAsync($"nodes/{node}/lxc/{vmid}"));
        (await _api.PveGetAsync($"nodes/{node}/lxc/{vmid}/config")).Message.ShouldBe($"Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist\n");
        HostsLine(vmid).ShouldBeEmpty();
        Vmids(await _api.PveGetAsync($"nodes/{node}/lxc")).ShouldNotContain(vmid);
    }

    private static IEnumerable<int> Vmids(PveAnswer list)
    {
        list.Status.ShouldBe(200, list.Raw);
        return list.Data.EnumerateArray().Select(g => g.GetProperty("vmid").GetInt32());
    }

    private async Task<string> TaskLogAsync(JsonElement task)
    {
        var log = await _api.PveGetAsync($"nodes/pve/tasks/{task.GetProperty("upid").GetString()}/log");
        return string.Join('\n', log.Data.EnumerateArray().Select(line => line.GetProperty("t").GetString()));
    }

    private async Task<string?> StatusOf(int vmid) =>
        (await _api.PveGetAsync($"nodes/pve/lxc/{vmid}/status/current")).Data.GetProperty("status").GetString();

    /// <summary>The names the sandbox host's hosts file gives the vmid's address.</summary>
    private List<string> HostsLine(int vmid) =>
        [.. File.ReadAllLines(HostsFile)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 1 && f[0] == SandboxAddress.For(vmid).ToString())
            .SelectMany(f => f.Skip(1))];

    /// <summary>
    /// cmux's exec request (<c>{"command", "timeout_ms"}</c> to <c>http://{host}:39375/exec</c>, an
    /// NDJSON answer) sent once by curl in a private mount namespace whose /etc/hosts is the sandbox
    /// host's file: the name is resolved by the system resolver as a process in cmux's network would.
    /// curl's <c>--max-time</c> is the deadline; running out of it fails the exec.
    /// </summary>
    private async Task<ExecAnswer> ExecOnceAsync(string host, string command, string? token)
    {
        var body = Path.Combine(_dataDir, "exec-answer.ndjson");
        var request = JsonSerializer.Serialize(new { command, timeout_ms = 5000 });
        var start = new ProcessStartInfo("unshare",
        [
            "-rm", "sh", "-c", "mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"", "sh", HostsFile,
            "curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", $"{ExecDeadlineSeconds}",
            "--header", "Content-Type: application/json", "--data-binary", request,
            .. token is null ? Array.Empty<string>() : ["--header", $"Authorization: Bearer {token}"],
            "--output", body, "--write-out", "%{http_code} %{remote_ip}", $"http://{host}:{SandboxPorts.Execd}/exec",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var written = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"curl (28 is its deadline of {ExecDeadlineSeconds} s): {error}");
        var (status, remoteIp) = (int.Parse(written.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), written.Split(' ')[1]);
        if (status != 200)
        {
            return new ExecAnswer(status, remoteIp, [], [], null);
        }

        var events = (await File.ReadAllLinesAsync(body)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string[] Lines(string type) => [.. events.Where(e => e.GetProperty("type").GetString() == type).Select(e => e.GetProperty("data").GetString()!)];
        var exit = events.Single(e => e.GetProperty("type").GetString() == "exit").GetProperty("code").GetInt32();
        return new ExecAnswer(status, remoteIp, Lines("stdout"), Lines("stderr"), exit);
    }

    private sealed record ExecAnswer(int Status, string RemoteIp, string[] Stdout, string[] Stderr, int? ExitCode);

    public async Task DisposeAsync()
    {
        _api.Dispose();
        _insecure.Dispose();
        await _pve.DisposeAsync();
        await _sandboxes.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}

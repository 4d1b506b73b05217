using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Schema;

namespace Cmux.Fakes.Pve.Tests.Api;

/// <summary>The fake's API as PVE answers it: envelope, auth, validation, tasks, locks, conflicts.</summary>
public sealed class PveApiTests() : PveFakeTests(
    ["--Pve:Auth:Tokens:1:Id=audit@pve!ro", "--Pve:Auth:Tokens:1:Secret=ro-secret", "--Pve:Auth:Tokens:1:Privileges:0=VM.Audit"])
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Success_is_data_withPves_exact_content_type()
    {
        var answer = await Api.PveGetAsync("version");

        answer.Status.ShouldBe(200);
        answer.ContentType.ShouldBe("application/json;charset=UTF-8");
        answer.Data.GetProperty("release").GetString().ShouldBe("8.4");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task TheApi_is_served_over_https_too()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var https = Pve.Client(handler: handler);
        https.BaseAddress = new Uri(Pve.Https, ApiDispatcher.Prefix + "/");

        (await https.PveGetAsync("nodes")).Data[0].GetProperty("node").GetString().ShouldBe("pve");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    [InlineData("", "No ticket")]
    [InlineData("PVEAPIToken=root@pam!cmux=wrong-secret", "invalid token value!")]
    [InlineData("PVEAPIToken=nobody@pam!x=secret", "invalid token value!")]
    public async Task Bad_credentials_get_an_empty_401_after_the_delay(string authorization, string reason)
    {
        using var client = Pve.Client(authorization);
        var clock = Stopwatch.StartNew();

        var answer = await client.PveGetAsync("nodes/pve/lxc");

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(45));
        answer.Status.ShouldBe(401);
        answer.Reason.ShouldBe(reason);
        answer.Raw.ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_token_without_the_privilege_getsPves_403()
    {
        using var readOnly = Pve.Client("PVEAPIToken=audit@pve!ro=ro-secret");

        (await readOnly.PveGetAsync("nodes/pve/lxc/9000/status/current")).Status.ShouldBe(200);
        var answer = await readOnly.PvePostAsync("nodes/pve/lxc/9000/status/start");

        answer.Status.ShouldBe(403);
        answer.Reason.ShouldBe("Permission check failed (/vms/9000, VM.PowerMgmt)");
        answer.Message.ShouldBe("Permission check failed (/vms/9000, VM.PowerMgmt)\n");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_ticket_works_for_reads_but_writes_need_the_csrf_header()
    {
        using var anonymous = Pve.Client("");
        var login = await anonymous.PvePostAsync("access/ticket", ("username", "root@pam"), ("password", PveFakeServer.RootPassword));
        login.Status.ShouldBe(200, login.Raw);
        var ticket = login.Data.GetProperty("ticket").GetString()!;
        var csrf = login.Data.GetProperty("CSRFPreventionToken").GetString()!;
        ticket.ShouldStartWith("PVE:root@pam:");

        using var cookie = Pve.Client("");
        cookie.DefaultRequestHeaders.Add("Cookie", $"PVEAuthCookie={Uri.EscapeDataString(ticket)}");
        (await cookie.PveGetAsync("nodes/pve/lxc")).Status.ShouldBe(200);

        var withoutCsrf = await cookie.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "300"));
        withoutCsrf.Status.ShouldBe(401);
        withoutCsrf.Reason.ShouldBe("Permission denied - invalid csrf token");

        cookie.DefaultRequestHeaders.Add("CSRFPreventionToken", csrf);
        (await cookie.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "300"))).Status.ShouldBe(200);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_wrong_password_is_an_authentication_failure()
    {
        using var anonymous = Pve.Client("");

        var answer = await anonymous.PvePostAsync("access/ticket", ("username", "root@pam"), ("password", "nope"));

        answer.Status.ShouldBe(401);
        answer.Reason.ShouldBe("authentication failure");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "hostname=x", "newid", SchemaValidator.Missing)]
    [InlineData("GET", "nodes/pve/lxc/abc/config", "", "vmid", "type check ('integer') failed - got 'abc'")]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "newid=5", "newid", "value must have a minimum value of 100")]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "newid=1000000000", "newid", "value must have a maximum value of 999999999")]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "newid=300&colour=red", "colour", SchemaValidator.NotDefined)]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "newid=300&full=maybe", "full", "type check ('boolean') failed - got 'maybe'")]
    [InlineData("POST", "nodes/pve/lxc/9000/clone", "newid=300&hostname=bad_name!", "hostname", "invalid format - value does not look like a valid DNS name\n")]
    [InlineData("GET", "cluster/resources?type=disk", "", "type", "value 'disk' does not have a value in the enumeration 'vm, storage, node, sdn'")]
    [InlineData("POST", "nodes/pve/lxc/9000/snapshot", "snapname=s12345678901234567890123456789012345678901", "snapname", "value may only be 40 characters long")]
    [InlineData("PUT", "nodes/pve/lxc/9000/config", "env=CMUX_EXECD_AUTH_TOKEN%3Dabc", "env", SchemaValidator.NotDefined)]
    [InlineData("GET", "nodes/pve/tasks/x/log?start=-1", "", "start", "value must have a minimum value of 0")]
    public async Task Parameters_the_schema_rejects_get_400_withPves_texts(string verb, string path, string form, string parameter, string error)
    {
        using var request = new HttpRequestMessage(new HttpMethod(verb), path);
        if (form.Length > 0)
        {
            request.Content = new StringContent(form, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");
        }

        var answer = await PveAnswer.ReadAsync(await Api.SendAsync(request));

        answer.Status.ShouldBe(400, answer.Raw);
        answer.Reason.ShouldBe("Parameter verification failed.");
        answer.Data.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        answer.Error(parameter).ShouldBe(error);
        answer.Message.ShouldBe("Parameter verification failed.\n");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Json_bodies_are_accepted_like_forms()
    {
        using var response = await Api.PostAsJsonAsync("nodes/pve/lxc/9000/clone", new { newid = 310, full = false, hostname = "cmux-310" });
        var answer = await PveAnswer.ReadAsync(response);

        answer.Status.ShouldBe(200, answer.Raw);
        var status = await Api.WaitForTaskAsync(answer.Data.GetString()!);
        status.GetProperty("exitstatus").GetString().ShouldBe("OK");
        (await Api.PveGetAsync("nodes/pve/lxc/310/config")).Data.GetProperty("hostname").GetString().ShouldBe("cmux-310");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Upids_havePves_format_and_work_raw_and_percent_encoded()
    {
        var clone = await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("hostname", "cmux-200"), ("full", "0"));
        var upid = clone.Data.GetString()!;

        upid.ShouldMatch(@"^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzclone:9000:root@pam!cmux:$");
        var raw = await Api.PveGetAsync($"nodes/pve/tasks/{upid}/status");
        var encoded = await Api.PveGetAsync($"nodes/pve/tasks/{Uri.EscapeDataString(upid)}/status");
        raw.Data.GetProperty("upid").GetString().ShouldBe(upid);
        encoded.Data.GetProperty("upid").GetString().ShouldBe(upid);
        raw.Data.GetProperty("type").GetString().ShouldBe("vzclone");
        raw.Data.GetProperty("user").GetString().ShouldBe("root@pam!cmux");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    [InlineData("UPID:broken", "unable to parse worker upid 'UPID:broken'\n")]
    [InlineData("UPID:pve:00001234:00005678:6B0B0000:vzstart:200:root@pam:", "no such task\n")]
    public async Task Malformed_and_unknown_upids_are_400(string upid, string message)
    {
        var answer = await Api.PveGetAsync($"nodes/pve/tasks/{upid}/status");

        answer.Status.ShouldBe(400);
        answer.Message.ShouldBe(message);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_task_runs_then_stops_ok_with_a_log_and_total()
    {
        var clone = await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0"));
        var upid = clone.Data.GetString()!;

        var status = await Api.WaitForTaskAsync(upid);
        var log = await Api.PveGetAsync($"nodes/pve/tasks/{upid}/log?start=0&limit=50");

        status.GetProperty("exitstatus").GetString().ShouldBe("OK");
        log.Body.GetProperty("total").GetInt32().ShouldBe(log.Data.GetArrayLength());
        log.Data[0].GetProperty("n").GetInt32().ShouldBe(1);
        log.Data[log.Data.GetArrayLength() - 1].GetProperty("t").GetString().ShouldBe("TASK OK");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_clone_locks_the_source_disk_and_the_new_ct_create_until_its_task_ends()
    {
        await SetFaultsAsync(new { locksNeverClear = true });
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));

        (await Api.PveGetAsync("nodes/pve/lxc/200/status/current")).Data.GetProperty("lock").GetString().ShouldBe("create");
        (await Api.PvePostAsync("nodes/pve/lxc/200/status/start")).Message.ShouldBe("CT is locked (create)\n");
        var again = await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "201"), ("full", "0"));
        again.Status.ShouldBe(500);
        again.Message.ShouldBe("CT is locked (disk)\n");
        again.Reason.ShouldBe("CT is locked (disk)");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Locks_clear_when_the_task_ends()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));

        (await Api.PveGetAsync("nodes/pve/lxc/200/status/current")).Data.TryGetProperty("lock", out _).ShouldBeFalse();
        (await Api.PveGetAsync("nodes/pve/lxc/9000/config")).Data.TryGetProperty("lock", out _).ShouldBeFalse();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_failing_task_stops_with_its_error_and_changes_nothing()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));
        await SetFaultsAsync(new { failingTasks = new[] { "vzstart" }, taskError = "startup for container '200' failed" });

        var start = await Api.PvePostAsync("nodes/pve/lxc/200/status/start");
        var status = await Api.WaitForTaskAsync(start.Data.GetString()!);
        var log = await Api.PveGetAsync($"nodes/pve/tasks/{start.Data.GetString()}/log");

        status.GetProperty("exitstatus").GetString().ShouldBe("startup for container '200' failed");
        log.Data[log.Data.GetArrayLength() - 1].GetProperty("t").GetString().ShouldBe("TASK ERROR: startup for container '200' failed");
        (await Api.PveGetAsync("nodes/pve/lxc/200/status/current")).Data.GetProperty("status").GetString().ShouldBe("stopped");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_failed_clone_leaves_no_container_behind()
    {
        await SetFaultsAsync(new { failingTasks = new[] { "vzclone" } });

        var status = await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));

        status.GetProperty("exitstatus").GetString().ShouldBe("injected failure");
        (await Api.PveGetAsync("nodes/pve/lxc/200/config")).Message.ShouldBe("Configuration file 'nodes/pve/lxc/200.conf' does not exist\n");
        (await Api.PveGetAsync("nodes/pve/lxc/9000/config")).Data.TryGetProperty("lock", out _).ShouldBeFalse();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task A_vanished_container_does_not_exist_for_theApi()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));
        using var admin = new HttpClient { BaseAddress = Pve.Http };
        (await admin.DeleteAsync("_fake/containers/200")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        foreach (var answer in new[]
        {
            await Api.PveGetAsync("nodes/pve/lxc/200/status/current"),
            await Api.PvePostAsync("nodes/pve/lxc/200/status/start"),
            await Api.PveDeleteAsync("nodes/pve/lxc/200?force=1&purge=1"),
        })
        {
            answer.Status.ShouldBe(500);
            answer.Message.ShouldBe("Configuration file 'nodes/pve/lxc/200.conf' does not exist\n");
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Conflicts_answer_withPves_texts()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));

        (await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"))).Message.ShouldBe("CT 200 already exists on node 'pve'\n");
        (await Api.PvePostAsync("nodes/pve/lxc/200/clone", ("newid", "201"), ("full", "0"))).Message
            .ShouldBe("Linked clone feature for 'local-lvm:base-9000-disk-0/vm-200-disk-0' is not available\n");
        (await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "201"), ("full", "0"), ("storage", "local-lvm"))).Message
            .ShouldBe("parameter 'storage' not allowed for linked clones\n");
        (await Api.PvePostAsync("nodes/pve/lxc/9000/status/start")).Message.ShouldBe("you can't start a CT if it's a template\n");
        (await Api.PvePostAsync("nodes/pve/lxc/200/status/stop")).Message.ShouldBe("CT 200 not running\n");

        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/start"));

        (await Api.PvePostAsync("nodes/pve/lxc/200/status/start")).Message.ShouldBe("CT 200 already running\n");
        (await Api.PveDeleteAsync("nodes/pve/lxc/200")).Message.ShouldBe("unable to destroy CT 200 - container is running\n");
        (await Api.PvePostAsync("nodes/pve/lxc/200/template")).Message.ShouldBe("you can't convert a CT to template if the CT is running\n");
        (await Api.PveGetAsync("cluster/nextid?vmid=200")).Error("vmid").ShouldBe("VM 200 already exists");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Unknown_paths_are_501_withPves_text()
    {
        var answer = await Api.PveGetAsync("nodes/pve/qemu/100/status/current");
        using var outside = new HttpClient { BaseAddress = Pve.Http };
        var root = await PveAnswer.ReadAsync(await outside.GetAsync("x"));

        answer.Status.ShouldBe(501);
        answer.Reason.ShouldBe("Method 'GET /nodes/pve/qemu/100/status/current' not implemented");
        root.Status.ShouldBe(501);
        root.Message.ShouldBe("Method 'GET /x' not implemented\n");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Qemu_guests_occupy_vmids_everywhere_a_vmid_is_chosen_or_checked()
    {
        await using var pve = await PveFakeServer.StartAsync("--Pve:Qemu:0:Vmid=100", "--Pve:Qemu:0:Name=desktop", "--Pve:Qemu:0:Status=running", "--Pve:Qemu:1:Vmid=200");
        using var api = pve.Client();

        var list = (await api.PveGetAsync("nodes/pve/qemu")).Data.EnumerateArray().ToList();
        list.Select(vm => vm.GetProperty("vmid").GetInt32()).ShouldBe([100, 200]);
        list[0].GetProperty("name").GetString().ShouldBe("desktop");
        list[0].GetProperty("status").GetString().ShouldBe("running");
        (await api.PveGetAsync("cluster/nextid")).Data.GetInt32().ShouldBe(101);
        (await api.PveGetAsync("cluster/nextid?vmid=200")).Error("vmid").ShouldBe("VM 200 already exists");
        (await api.PveGetAsync("cluster/resources?type=vm")).Data.EnumerateArray().Select(r => r.GetProperty("id").GetString())
            .ShouldBe(["qemu/100", "qemu/200", "lxc/9000"]);
        (await api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0"))).Message
            .ShouldBe("VM 200 already exists on node 'pve'\n");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task The_template_carries_the_hookscript_clones_inherit_and_only_root_at_pam_may_change_it()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));
        using var anonymous = Pve.Client("");
        var login = (await anonymous.PvePostAsync("access/ticket", ("username", "root@pam"), ("password", PveFakeServer.RootPassword))).Data;
        using var root = Pve.Client("");
        root.DefaultRequestHeaders.Add("Cookie", $"PVEAuthCookie={Uri.EscapeDataString(login.GetProperty("ticket").GetString()!)}");
        root.DefaultRequestHeaders.Add("CSRFPreventionToken", login.GetProperty("CSRFPreventionToken").GetString());

        (await Api.PveGetAsync("nodes/pve/lxc/200/config")).Data.GetProperty("hookscript").GetString().ShouldBe(PveFakeOptions.DefaultHookscript);
        var byToken = await Api.PvePutAsync("nodes/pve/lxc/200/config", ("delete", "hookscript"));
        var byRoot = await root.PvePutAsync("nodes/pve/lxc/200/config", ("hookscript", "local:snippets/other.sh"));

        byToken.Status.ShouldBe(403);
        byToken.Message.ShouldBe("Permission check failed (changing the hookscript is only allowed for root@pam)\n");
        byRoot.Status.ShouldBe(200, byRoot.Raw);
        (await Api.PveGetAsync("nodes/pve/lxc/200/config")).Data.GetProperty("hookscript").GetString().ShouldBe("local:snippets/other.sh");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Config_keeps_description_lines_and_the_net0_address_of_the_sandbox()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0"), ("hostname", "cmux-200")));

        (await Api.PvePutAsync("nodes/pve/lxc/200/config", ("description", "cmux sandbox\nCMUX_EXECD_AUTH_TOKEN=abc\n"))).Status.ShouldBe(200);
        var config = (await Api.PveGetAsync("nodes/pve/lxc/200/config")).Data;

        config.GetProperty("description").GetString().ShouldBe("cmux sandbox\nCMUX_EXECD_AUTH_TOKEN=abc\n");
        config.GetProperty("net0").GetString()!.ShouldContain("ip=127.1.0.200/16");
        config.GetProperty("hostname").GetString().ShouldBe("cmux-200");
        config.GetProperty("rootfs").GetString()!.ShouldStartWith("local-lvm:base-9000-disk-0/vm-200-disk-0");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task The_whole_lifecycle_is_visible_through_theApi()
    {
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("full", "0")));
        (await StatusOf(200)).ShouldBe("stopped");
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/start"));
        (await StatusOf(200)).ShouldBe("running");
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/shutdown"));
        (await StatusOf(200)).ShouldBe("stopped");
        await Api.RunTaskAsync(Api.PveDeleteAsync("nodes/pve/lxc/200?force=1&purge=1"));

        var resources = (await Api.PveGetAsync("cluster/resources?type=vm")).Data.EnumerateArray().Select(r => r.GetProperty("vmid").GetInt32());
        resources.ShouldBe([9000]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Injected_5xx_and_595_answers_last_as_long_as_configured()
    {
        await SetFaultsAsync(new { status = 595, statusCount = 1 });

        var failed = await Api.PveGetAsync("version");
        var next = await Api.PveGetAsync("version");

        failed.Status.ShouldBe(595);
        failed.Reason.ShouldBe("Connection timed out");
        next.Status.ShouldBe(200);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task The_admin_create_takes_the_vmid_asked_for_else_the_first_free_from_200()
    {
        using var admin = new HttpClient { BaseAddress = Pve.Http };

        using var named = await admin.PostAsJsonAsync("_fake/containers", new { vmid = 4242 });
        using var next = await admin.PostAsJsonAsync("_fake/containers", new { hostname = (string?)null });

        (await named.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("vmid").GetInt32().ShouldBe(4242);
        (await next.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("vmid").GetInt32().ShouldBe(200);
        (await StatusOf(4242)).ShouldBe("running");
    }

    private async Task<string?> StatusOf(int vmid) =>
        (await Api.PveGetAsync($"nodes/pve/lxc/{vmid}/status/current")).Data.GetProperty("status").GetString();

    private async Task SetFaultsAsync(object faults)
    {
        using var admin = new HttpClient { BaseAddress = Pve.Http };
        (await admin.PutAsJsonAsync("_fake/faults", faults)).EnsureSuccessStatusCode();
    }
}

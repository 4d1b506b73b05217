using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;
using Cmux.Conformance.Report;
using Cmux.Conformance.Tests.Providers.Pve;
using Cmux.Fakes.Morph;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cmux.Conformance.Tests.Cli;

/// <summary>
/// Real mode through the command line, against the PVE fake: a bad setting stops it before
/// anything exists, SIGTERM mid-run leaves nothing behind, and the sweep deletes only marked
/// leftovers of earlier runs. The public URLs go to a loopback server that answers 404 to all.
/// </summary>
public sealed class CommandLineTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _reports = Directory.CreateTempSubdirectory("cmux-cli-").FullName;
    private InProcessApp _pve = null!;
    private WebApplication _nowhere = null!;

    public async Task InitializeAsync()
    {
        _pve = await PveFake.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _nowhere = builder.Build();
        _nowhere.Run(context => { context.Response.StatusCode = 404; return Task.CompletedTask; });
        await _nowhere.StartAsync();
    }

    private Dictionary<string, string> Environment(string? tokenSecret = null) => new()
    {
        ["CMUX_PVE_URL"] = _pve.Address("http").ToString(),
        ["CMUX_PVE_TOKEN_ID"] = PveFake.TokenId,
        ["CMUX_PVE_TOKEN_SECRET"] = tokenSecret ?? PveFake.TokenSecret,
        ["CMUX_DOMAIN"] = "example.test",
        ["CMUX_PUBLIC_SCHEME"] = "http",
        ["CMUX_CONNECT_TO"] = new Uri(_nowhere.Urls.First()).Authority,
        ["CMUX_REPORT_DIR"] = _reports,
        ["CMUX_PROBE_BINARY"] = "/nonexistent/cmux-probe",
    };

    /// <summary>The PVE fake again, with these settings over the defaults.</summary>
    private async Task RestartPveAsync(string[] settings)
    {
        await _pve.DisposeAsync();
        _pve = await PveFake.StartAsync(settings);
    }

    private async Task<List<(int Vmid, string? Tags)>> ContainersAsync()
    {
        using var client = PveFake.Client(_pve);
        var list = await client.GetFromJsonAsync<JsonElement>("nodes/pve/lxc");
        return [.. list.GetProperty("data").EnumerateArray()
            .Where(c => !c.TryGetProperty("template", out var t) || t.ToString() != "1")
            .Select(c => (c.GetProperty("vmid").GetInt32(), c.TryGetProperty("tags", out var tags) ? tags.GetString() : null))];
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_refused_token_exits_2_naming_the_variable_and_creates_nothing()
    {
        using var cli = CommandLineProcess.Start(Environment(tokenSecret: "not-the-secret"), "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2, cli.Stdout + cli.Stderr);
        cli.Stderr.ShouldContain("CMUX_PVE_TOKEN_SECRET");
        cli.Stderr.ShouldContain("nothing was created");
        (await ContainersAsync()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_token_lacking_a_privilege_exits_2_naming_the_privilege_and_creates_nothing()
    {
        // Every privilege the run needs on /vms but the power ones.
        await RestartPveAsync([.. PveProvider.VmPrivileges.Where(p => p != "VM.PowerMgmt").Select((p, i) => $"--Pve:Auth:Tokens:0:Privileges:{i}={p}")]);
        using var cli = CommandLineProcess.Start(Environment(), "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2, cli.Stdout + cli.Stderr);
        cli.Stderr.ShouldContain("lacks privilege VM.PowerMgmt");
        cli.Stderr.ShouldNotContain("lacks privilege VM.Clone");
        cli.Stderr.ShouldContain("nothing was created");
        (await ContainersAsync()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task Privileges_that_cannot_be_read_exit_2_naming_them_and_create_nothing()
    {
        // PVE as it is, but for the permissions call, which fails as a busy or broken pveproxy does.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var front = builder.Build();
        using var forward = new HttpClient { BaseAddress = _pve.Address("http") };
        front.Run(async context =>
        {
            if (context.Request.Path.Value?.EndsWith("/access/permissions", StringComparison.Ordinal) == true)
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsJsonAsync(new { data = (object?)null, message = "proxy loop detected" });
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            if (context.Request.ContentLength > 0 || context.Request.Headers.ContainsKey("Transfer-Encoding"))
            {
                request.Content = new StreamContent(context.Request.Body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            }
            request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
            using var response = await forward.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await front.StartAsync();

        var environment = Environment();
        environment["CMUX_PVE_URL"] = front.Urls.First();
        using var cli = CommandLineProcess.Start(environment, "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2, cli.Stdout + cli.Stderr);
        cli.Stderr.ShouldContain("privileges cannot be read");
        foreach (var privilege in PveProvider.VmPrivileges)
        {
            cli.Stderr.ShouldContain(privilege);
        }
        cli.Stderr.ShouldContain("nothing was created");
        (await ContainersAsync()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_template_vmid_that_is_no_template_exits_2_naming_the_variable_and_creates_nothing()
    {
        var container = await CloneAsync(4330, description: "a container, not a template");
        var environment = Environment();
        environment["CMUX_PVE_TEMPLATE"] = container.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var cli = CommandLineProcess.Start(environment, "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2, cli.Stdout + cli.Stderr);
        cli.Stderr.ShouldContain($"CMUX_PVE_TEMPLATE: CT {container}");
        cli.Stderr.ShouldContain("is not a template");
        cli.Stderr.ShouldContain("nothing was created");
        (await ContainersAsync()).Select(c => c.Vmid).ShouldBe([container]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_refused_morph_key_exits_2_naming_the_variable_and_creates_nothing()
    {
        // Morph's API only: the run must stop before it asks for any instance, so no sandbox host is needed.
        await using var morph = await InProcessApp.StartAsync(MorphFakeApp.Build, "--urls=http://127.0.0.1:0", $"--Morph:SandboxHost={_nowhere.Urls.First()}");
        var environment = Environment();
        environment["MORPH_API_URL"] = new Uri(morph.Url, "/api/").ToString();
        environment["MORPH_API_KEY"] = "not-a-morph-key";
        environment["MORPH_SNAPSHOT_ID"] = MorphFakeApp.DefaultSnapshots[0];
        using var cli = CommandLineProcess.Start(environment, "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2, cli.Stdout + cli.Stderr);
        cli.Stderr.ShouldContain("MORPH_API_KEY");
        cli.Stderr.ShouldContain("nothing was created");
        (await ContainersAsync()).ShouldBeEmpty();
        using var instances = new HttpClient { BaseAddress = new Uri(morph.Url, "/api/") };
        instances.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MorphFakeApp.DefaultApiKeys[0]);
        (await instances.GetFromJsonAsync<JsonElement>("instance")).GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task A_missing_setting_exits_2_naming_it()
    {
        var environment = Environment();
        environment.Remove("CMUX_DOMAIN");
        using var cli = CommandLineProcess.Start(environment, "run");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(2);
        cli.Stderr.ShouldContain("CMUX_DOMAIN is required");
        (await ContainersAsync()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Sigterm_in_the_middle_of_a_run_leaves_no_sandbox_and_the_report_says_what_it_deleted()
    {
        using var cli = CommandLineProcess.Start(Environment(), "run", "--provider", "pve", "--check", "lifecycle-create-ready");
        // The check creates a sandbox, then waits up to 45 s for it to serve: it never will here.
        using (var deadline = new CancellationTokenSource(Patience))
        {
            while (!(await ContainersAsync()).Any(c => c.Tags?.Contains(SandboxMark.Tag, StringComparison.Ordinal) == true))
            {
                cli.HasExited.ShouldBeFalse($"the run ended before it made a sandbox:\n{cli.Stdout}\n{cli.Stderr}");
                await Task.Delay(50, deadline.Token);
            }
        }
        var created = (await ContainersAsync()).Single().Vmid;
        cli.Terminate();

        (await cli.ExitCodeAsync(Patience)).ShouldBe(143, cli.Stdout + cli.Stderr);
        (await ContainersAsync()).ShouldBeEmpty();
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, ReportWriter.JsonFile))).RootElement;
        var pve = report.GetProperty("sandboxes").GetProperty("pve");
        pve.GetProperty("created").EnumerateArray().Select(e => e.GetString()).ShouldBe([created.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        pve.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()).ShouldContain(created.ToString(System.Globalization.CultureInfo.InvariantCulture));
        report.GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("provider").GetString() == "pve" && r.GetProperty("check").GetString() == "lifecycle-create-ready")
            .GetProperty("outcome").GetString().ShouldBe("not-run");
        Report.ReportSchema.Errors(report.GetRawText()).ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task The_sweep_deletes_old_marked_leftovers_and_nothing_else()
    {
        var leftover = await CloneAsync(4320, new SandboxMark("20261129000000-aaaaaa", DateTimeOffset.UtcNow.AddDays(-2)).DescriptionLine);
        using var recent = new PveProvider(PveFake.Options(_pve) with { Mark = SandboxMark.NewRun() });
        var stillRunning = int.Parse((await recent.CreateAsync(CancellationToken.None)).Id, System.Globalization.CultureInfo.InvariantCulture);
        var unmarked = await CloneAsync(4321, description: "someone else's container");

        using var cli = CommandLineProcess.Start(Environment(), "sweep", "--sweep-age", "1");
        (await cli.ExitCodeAsync(Patience)).ShouldBe(0, cli.Stdout + cli.Stderr);

        var left = (await ContainersAsync()).Select(c => c.Vmid).ToList();
        left.ShouldNotContain(leftover, "a marked sandbox two days old is a leftover");
        left.ShouldContain(stillRunning, "a marked sandbox younger than the sweep age may be another run's");
        left.ShouldContain(unmarked, "an unmarked sandbox is never touched");
    }

    /// <summary>A container cloned by hand with this description: an old run's (marked) or someone else's.</summary>
    private async Task<int> CloneAsync(int vmid, string description)
    {
        using var api = new PveApiClient(PveFake.Options(_pve));
        var upid = await api.CloneAsync(9000, vmid, $"ct-{vmid}", description);
        (await api.WaitForTaskAsync(upid, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(20))).Succeeded.ShouldBeTrue();
        return vmid;
    }

    public async Task DisposeAsync()
    {
        await _nowhere.DisposeAsync();
        await _pve.DisposeAsync();
        Directory.Delete(_reports, recursive: true);
    }
}

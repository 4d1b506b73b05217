using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;
using Cmux.Conformance.Report;
using Cmux.Conformance.Tests.Providers.Pve;
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

using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cmux.AppHost.Tests.Dashboard;

/// <summary>
/// The dashboard's <c>conformance</c> resource: its commands run the suite's command line against
/// the stack it belongs to and answer with what it measured, as a user clicking them reads it.
/// A subset of the suite keeps it short; the rehearsal runs the whole command line.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SuiteCommandsTests(AppHostStack stack, ITestOutputHelper output)
{
    private ResourceCommandService Commands => stack.App.Services.GetRequiredService<ResourceCommandService>();

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task Run_conformance_suite_answers_with_the_counts_of_the_checks_it_ran()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await ReadyAsync(cts.Token);

        var result = await Commands.ExecuteCommandAsync("conformance", "run-conformance-suite",
            Options("--provider pve --check exec-stdout --check url-pattern-per-port"), cts.Token);
        output.WriteLine(result.Message);

        result.Success.ShouldBeTrue(result.Message);
        result.Message.ShouldNotBeNull().ShouldStartWith("pve: 2 passed, 0 failed, 0 skipped, 0 not-supported, ");
        result.Message.ShouldContain("morph: 0 passed, 0 failed, 0 skipped, 0 not-supported, ");
        // Every check of the catalog is in the report: the two that ran, and the rest as not-run.
        var report = result.Message[(result.Message.IndexOf("Report: ", StringComparison.Ordinal) + "Report: ".Length)..];
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(report, ".json"), cts.Token));
        json.RootElement.GetProperty("run").GetProperty("mode").GetString().ShouldBe("real");
        var outcomes = json.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => (Provider: r.GetProperty("provider").GetString(), Check: r.GetProperty("check").GetString(), Outcome: r.GetProperty("outcome").GetString()))
            .ToList();
        outcomes.Where(r => r.Outcome == "passed").Select(r => $"{r.Provider} {r.Check}").Order()
            .ShouldBe(["pve exec-stdout", "pve url-pattern-per-port"]);
        outcomes.Where(r => r.Outcome != "passed").ShouldAllBe(r => r.Outcome == "not-run");
        (await StateAsync(cts.Token)).ShouldBe("Ready", "the command gives the resource back when it ends");
    }

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Report)]
    public async Task Run_conformance_suite_refuses_bad_options_with_the_command_lines_reason()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ReadyAsync(cts.Token);

        var result = await Commands.ExecuteCommandAsync("conformance", "run-conformance-suite", Options("--check no-such-check"), cts.Token);

        result.Success.ShouldBeFalse();
        result.Message.ShouldNotBeNull().ShouldContain("exited 2");
        result.Message.ShouldContain("no check 'no-such-check'");
    }

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Run_load_smoke_answers_with_its_verdict_and_thresholds()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await ReadyAsync(cts.Token);

        var result = await Commands.ExecuteCommandAsync("conformance", "run-load-smoke", Options("--rate 20 --duration 2"), cts.Token);
        output.WriteLine(result.Message);

        result.Success.ShouldBeTrue(result.Message);
        result.Message.ShouldNotBeNull().ShouldStartWith("load through ");
        result.Message.ShouldContain("every threshold held");
        result.Message.ShouldContain("held fail_rate<1%");
        result.Message.ShouldContain("held p99<2000ms");
    }

    /// <summary>Every file of the run that holds a secret: the settings the commands run with, the tunnel's output, the CA's key.</summary>
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Secrets)]
    public async Task Every_file_of_the_run_that_holds_a_secret_is_readable_only_by_its_owner()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes are checked on Linux");
        }
        var settings = await stack.RealModeSettingsAsync();
        var lines = await File.ReadAllLinesAsync(settings);
        lines.ShouldContain(l => l.StartsWith("CMUX_ACCESS_CLIENT_SECRET=", StringComparison.Ordinal) && l.Length > "CMUX_ACCESS_CLIENT_SECRET=".Length);
        foreach (var file in new[] { settings, stack.TunnelSetupOutput, Path.Combine(stack.RunDirectory, "ca", "ca.key") })
        {
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
        }
    }

    private static InteractionInputCollection Options(string options) =>
        new([new InteractionInput { Name = "options", InputType = InputType.Text, Label = "Options", Value = options }]);

    private async Task ReadyAsync(CancellationToken ct) =>
        await stack.App.Services.GetRequiredService<ResourceNotificationService>()
            .WaitForResourceAsync("conformance", e => e.Snapshot.State?.Text == "Ready", ct);

    private async Task<string?> StateAsync(CancellationToken ct) =>
        (await stack.App.Services.GetRequiredService<ResourceNotificationService>()
            .WaitForResourceAsync("conformance", _ => true, ct)).Snapshot.State?.Text;
}

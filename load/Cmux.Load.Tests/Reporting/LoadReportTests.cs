using System.Text.Json;
using Cmux.Load.Cli;
using Cmux.Load.Engine;
using Cmux.Load.Reporting;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.Load.Tests.Reporting;

/// <summary>The report files, threshold parsing and the command line's answers to good and bad input.</summary>
[Collection(LoadCollection.Name)]
public sealed class LoadReportTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cmux-load-" + Guid.NewGuid().ToString("N"));
    private LoadTestTarget _target = null!;

    public async Task InitializeAsync() => _target = await LoadTestTarget.StartAsync();

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Every_report_format_is_written_and_the_html_draws_both_plots()
    {
        using var scenario = new ScenarioOptions { Name = "ws-storm", Target = new TargetOptions { Url = _target.Url } }.Create();
        var plan = new LoadPlan(scenario, LoadModel.Closed(2)) { Duration = TimeSpan.FromSeconds(1.2), Thresholds = [Threshold.Parse("echo.p99<10s")] };
        var report = await LoadRunner.RunAsync(plan);
        var files = await ReportWriter.WriteAllAsync(report, _directory);

        files.Select(Path.GetFileName).ShouldBe(["report.json", "report.md", "report.html", "steps.csv", "timeline.csv"]);
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "report.json"))).RootElement;
        json.GetProperty("passed").GetBoolean().ShouldBeTrue();
        json.GetProperty("steps").GetArrayLength().ShouldBe(3);
        json.GetProperty("iterations").GetProperty("latency").GetProperty("p99Ms").GetDouble().ShouldBeGreaterThan(0);

        var html = await File.ReadAllTextAsync(Path.Combine(_directory, "report.html"));
        html.ShouldContain("<svg id=\"latency-percentiles\"");
        html.ShouldContain("<svg id=\"throughput\"");
        html.ShouldContain("data-series=\"connect\"");
        html.ShouldContain("data-series=\"ok\"");
        foreach (var fetch in new[] { "<script", "<link", "src=", "href=", "url(" })
        {
            html.ShouldNotContain(fetch, Case.Insensitive, "a self-contained page fetches nothing");
        }

        var steps = await File.ReadAllLinesAsync(Path.Combine(_directory, "steps.csv"));
        steps.Length.ShouldBe(5);
        steps[1].ShouldStartWith("ws-storm,iteration,");
        (await File.ReadAllLinesAsync(Path.Combine(_directory, "timeline.csv"))).Length.ShouldBe(report.Timeline.Count + 1);
        (await File.ReadAllTextAsync(Path.Combine(_directory, "report.md"))).ShouldContain("| `echo.p99<10s` | echo |");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("p99<50ms", null, "p99", "<", 50)]
    [InlineData("p99 < 500us", null, "p99", "<", 0.5)]
    [InlineData("max<=2s", null, "max", "<=", 2000)]
    [InlineData("fail_rate<1%", null, "fail_rate", "<", 0.01)]
    [InlineData("fail_rate < 0.05", null, "fail_rate", "<", 0.05)]
    [InlineData("rps>1000", null, "rps", ">", 1000)]
    [InlineData("echo.p95<5", "echo", "p95", "<", 5)]
    public void Thresholds_parse_in_the_nbomber_and_k6_style(string text, string? step, string metric, string op, double limit)
    {
        var threshold = Threshold.Parse(text);
        (threshold.Step, threshold.Metric, threshold.Operator).ShouldBe((step, metric, op));
        threshold.Limit.ShouldBe(limit, tolerance: 1e-9);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("p99", "expected [step.]metric op value[unit]")]
    [InlineData("latency<5ms", "expected [step.]metric op value[unit]")]
    [InlineData("rps>10ms", "unit 'ms' does not apply to rps")]
    [InlineData("fail_rate<5", "a fail rate is a fraction")]
    public void Bad_thresholds_are_refused_with_the_reason(string text, string reason) =>
        Should.Throw<FormatException>(() => Threshold.Parse(text)).Message.ShouldContain(reason);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("closed:8", "closed", 8, 8)]
    [InlineData("closed:2..64", "closed", 2, 64)]
    [InlineData("open:1500", "open", 1500, 1500)]
    [InlineData("open:100..2000.5", "open", 100, 2000.5)]
    public void Load_models_parse(string text, string kind, double start, double end)
    {
        var model = LoadModel.Parse(text);
        (model.Kind, model.Start, model.End).ShouldBe((kind, start, end));
        model.ToString().ShouldBe(text);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData(new[] { "run", "--target", "http://127.0.0.1:1/" }, "--scenario is required")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "ftp://x/" }, "expected an absolute http or https URL")]
    [InlineData(new[] { "run", "--scenario", "grpc", "--target", "http://127.0.0.1:1/" }, "unknown scenario 'grpc'")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://127.0.0.1:1/", "--model", "closed:1.5" }, "whole numbers")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://127.0.0.1:1/", "--duration", "ten" }, "expected a duration")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://127.0.0.1:1/", "--duration", "2h" }, "over the 01:00:00")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://127.0.0.1:1/", "--threshold", "p99" }, "--threshold")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://127.0.0.1:1/", "--bogus" }, "unknown option --bogus")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://192.0.2.1:1/", "--allow-remote" }, "explicit rate cap")]
    [InlineData(new[] { "run", "--scenario", "http", "--target", "http://192.0.2.1:1/", "--rate-cap", "10" }, "outside loopback")]
    [InlineData(new[] { "deploy" }, "unknown command 'deploy'")]
    public async Task The_command_line_refuses_bad_input_with_exit_code_2(string[] args, string message)
    {
        var (exitCode, output) = await RunCliAsync(args);
        exitCode.ShouldBe(2);
        output.ShouldContain(message);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task The_command_line_exits_1_when_a_threshold_is_breached_and_0_when_all_hold()
    {
        string[] common = ["run", "--scenario", "http", "--target", _target.Url.ToString(), "--model", "closed:2",
            "--duration", "500ms", "--quiet", "--out", _directory];

        var (breached, breachedOutput) = await RunCliAsync([.. common, "--threshold", "p99<1us"]);
        breached.ShouldBe(1);
        breachedOutput.ShouldContain("FAILED: a threshold is breached");

        var (held, _) = await RunCliAsync([.. common, "--threshold", "fail_rate<1%", "--threshold", "rps>1"]);
        held.ShouldBe(0);
        File.Exists(Path.Combine(_directory, "report.html")).ShouldBeTrue();
    }

    private static readonly SemaphoreSlim ConsoleLock = new(1);

    // The command line writes to the process' console; tests that swap it take turns.
    private static async Task<(int ExitCode, string Output)> RunCliAsync(string[] args)
    {
        await ConsoleLock.WaitAsync();
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var capture = new StringWriter();
        try
        {
            Console.SetOut(capture);
            Console.SetError(capture);
            var exitCode = await CommandLineApp.RunAsync(args);
            return (exitCode, capture.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            ConsoleLock.Release();
        }
    }
}

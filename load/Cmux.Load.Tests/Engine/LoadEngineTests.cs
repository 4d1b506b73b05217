using System.Net;
using System.Text.Json;
using Cmux.Load.Engine;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.Load.Tests.Engine;

/// <summary>The load engine against a Kestrel target on loopback: models, recording, bounds, verdicts.</summary>
[Collection(LoadCollection.Name)]
public sealed class LoadEngineTests : IAsyncLifetime
{
    // The first requests of a process pay for JIT compilation; runs whose counts matter warm up first.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(0.5);

    private LoadTestTarget _target = null!;

    public async Task InitializeAsync() => _target = await LoadTestTarget.StartAsync();

    public async Task DisposeAsync() => await _target.DisposeAsync();

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Closed_model_records_every_request_with_status_bytes_and_timeline()
    {
        using var scenario = Http(size: 1000);
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(4)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(1) });

        report.Passed.ShouldBeTrue();
        var step = report.Steps.ShouldHaveSingleItem();
        step.Requests.ShouldBeGreaterThan(100);
        step.Failed.ShouldBe(0);
        step.StatusCodes.ShouldBe(new Dictionary<string, long> { ["200"] = step.Requests });
        step.BytesReceived.ShouldBe(step.Requests * 1000);
        step.Latency.P50Ms.ShouldBeGreaterThan(0);
        step.Latency.P99Ms.ShouldBeGreaterThanOrEqualTo(step.Latency.P50Ms);
        report.Iterations.Requests.ShouldBe(step.Requests);
        report.Timeline.Sum(p => p.Ok).ShouldBe(step.Requests);
        report.Iterations.Rps.ShouldBe(step.Requests / report.DurationSeconds, tolerance: 1);
        _target.Requests.ShouldBeGreaterThanOrEqualTo(step.Requests);
        _target.Connections.ShouldBeLessThanOrEqualTo(4);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Open_model_injects_the_requested_rate_whatever_the_latency()
    {
        using var scenario = Http(path: "/slow?ms=50", connections: 64);
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Open(200)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(1.5) });

        // A closed model of 4 users against a 50 ms endpoint manages about 80/s; the open model keeps its 200/s.
        report.Iterations.Requests.ShouldBeInRange(255, 345);
        report.Iterations.Failed.ShouldBe(0);
        report.Iterations.Latency.P50Ms.ShouldBeGreaterThanOrEqualTo(50);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Open_model_measures_from_the_intended_start_so_client_stalls_are_not_omitted()
    {
        // A client that stalls for 300 ms once (as a GC pause would), at its 75th iteration (after the
        // warm-up's 50), delays the iterations scheduled meanwhile; they must carry that delay,
        // although each request itself is fast.
        using var stalling = new StallingScenario(Http(), TimeSpan.FromMilliseconds(300), stallAt: 75);
        var open = await LoadRunner.RunAsync(new LoadPlan(stalling, LoadModel.Open(100)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(1) });

        open.Iterations.Requests.ShouldBeInRange(85, 115);
        open.Iterations.Latency.MaxMs.ShouldBeGreaterThanOrEqualTo(300);
        // About 30 iterations were due during the stall; their latencies spread from 300 ms down to 0.
        open.Iterations.Latency.P90Ms.ShouldBeGreaterThan(50);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Open_model_shows_the_queue_a_closed_model_hides_on_a_slow_target()
    {
        // /serial serves one request at a time in 20 ms: 50/s at most.
        using var closedScenario = Http(path: "/serial", connections: 1);
        var closed = await LoadRunner.RunAsync(new LoadPlan(closedScenario, LoadModel.Closed(1)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(1) });
        using var openScenario = Http(path: "/serial", connections: 1);
        var open = await LoadRunner.RunAsync(new LoadPlan(openScenario, LoadModel.Open(100)) { Duration = TimeSpan.FromSeconds(1) });

        closed.Iterations.Latency.P50Ms.ShouldBeLessThan(60);
        open.Iterations.Latency.P90Ms.ShouldBeGreaterThan(400);
        open.Iterations.Failed.ShouldBe(0);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Ramping_open_model_raises_the_rate_over_the_duration()
    {
        using var scenario = Http();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Open(20, 380)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(2) });

        // 20/s rising to 380/s: about 110 in the first second, 290 in the second.
        var first = report.Timeline[0].Ok;
        var second = report.Timeline[1].Ok;
        first.ShouldBeInRange(70, 150);
        second.ShouldBeInRange(230, 350);
        report.Model.ShouldBe("open:20..380");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Ramping_closed_model_adds_users_over_the_duration()
    {
        // Against a 50 ms endpoint each user manages 20/s: 1 user at first, 9 at the end.
        using var scenario = Http(path: "/slow?ms=50", connections: 16);
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(1, 9)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(2) });

        report.Timeline[1].Ok.ShouldBeGreaterThan(report.Timeline[0].Ok * 2);
        report.Iterations.Failed.ShouldBe(0);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Breached_thresholds_fail_the_verdict_and_say_which()
    {
        using var scenario = Http();
        var plan = new LoadPlan(scenario, LoadModel.Closed(2))
        {
            Duration = TimeSpan.FromSeconds(0.5),
            Thresholds = Threshold.ParseAll(["p99<10s", "fail_rate<1%", "rps>1000000", "get.p50<1us"]),
        };
        var report = await LoadRunner.RunAsync(plan);

        report.Passed.ShouldBeFalse();
        report.Thresholds.Select(t => (t.Expression, t.Passed)).ShouldBe(
            [("p99<10s", true), ("fail_rate<1%", true), ("rps>1000000", false), ("get.p50<1us", false)]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Held_thresholds_pass_the_verdict()
    {
        using var scenario = Http();
        var plan = new LoadPlan(scenario, LoadModel.Closed(2))
        {
            Duration = TimeSpan.FromSeconds(0.5),
            Thresholds = Threshold.ParseAll(["p99 < 60s", "fail_rate < 0.01", "rps > 0", "requests >= 1"]),
        };
        var report = await LoadRunner.RunAsync(plan);

        report.Thresholds.ShouldAllBe(t => t.Passed);
        report.Passed.ShouldBeTrue();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task The_request_budget_ends_the_run_early()
    {
        using var scenario = Http();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(4)) { Duration = TimeSpan.FromSeconds(30), MaxRequests = 200 });

        report.StoppedBy.ShouldBe("max-requests");
        report.Iterations.Requests.ShouldBe(200);
        report.DurationSeconds.ShouldBeLessThan(30);
        _target.Requests.ShouldBe(200);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Plans_out_of_bounds_are_refused_with_the_reason()
    {
        using var scenario = Http();
        Should.Throw<ArgumentException>(() => new LoadPlan(scenario, LoadModel.Closed(1)) { Duration = TimeSpan.FromHours(2) }.Validate())
            .Message.ShouldContain("over the 01:00:00 a run may last");
        Should.Throw<ArgumentException>(() => new LoadPlan(scenario, LoadModel.Closed(1)) { MaxRequests = 0 }.Validate())
            .Message.ShouldContain("request budget");
        Should.Throw<ArgumentException>(() => new LoadPlan(scenario, LoadModel.Open(500)) { RateCap = 100 }.Validate())
            .Message.ShouldContain("more than the rate cap");
        Should.Throw<ArgumentException>(() => new LoadPlan(scenario, LoadModel.Closed(1)) { Thresholds = [Threshold.Parse("nope.p99<1ms")] }.Validate())
            .Message.ShouldContain("no step 'nope'");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_target_outside_loopback_needs_allow_remote_and_a_rate_cap_before_any_traffic()
    {
        var remote = new TargetOptions { Url = new Uri("http://192.0.2.10:8080/") };
        using var refused = new ScenarioOptions { Name = "http", Target = remote }.Create();
        (await Should.ThrowAsync<InvalidOperationException>(() => LoadRunner.RunAsync(new LoadPlan(refused, LoadModel.Closed(1)))))
            .Message.ShouldContain("outside loopback");

        using var uncapped = new ScenarioOptions { Name = "http", Target = remote with { AllowRemote = true } }.Create();
        (await Should.ThrowAsync<ArgumentException>(() => LoadRunner.RunAsync(new LoadPlan(uncapped, LoadModel.Closed(1)))))
            .Message.ShouldContain("explicit rate cap");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Resolve_to_sends_a_port_url_host_to_a_loopback_address()
    {
        var options = new TargetOptions
        {
            Url = new Uri($"http://port-39378-vm-200.example.test:{_target.Url.Port}/"),
            ResolveTo = IPAddress.Loopback,
        };
        using var scenario = new ScenarioOptions { Name = "http", Target = options }.Create();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(0.3) });

        report.Iterations.Failed.ShouldBe(0);
        report.Iterations.Requests.ShouldBeGreaterThan(0);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("http")]
    [InlineData("ws-echo")]
    public async Task A_host_override_is_the_host_the_target_sees(string name)
    {
        var options = new TargetOptions { Url = _target.Url, HostHeader = "port-39378-vm-200.example.test" };
        using var scenario = new ScenarioOptions { Name = name, Target = options }.Create();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(0.3) });

        report.Iterations.Failed.ShouldBe(0);
        _target.LastHost.ShouldBe("port-39378-vm-200.example.test");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task The_rate_cap_holds_a_closed_model_back()
    {
        using var scenario = Http();
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(8)) { Warmup = WarmUp, Duration = TimeSpan.FromSeconds(1), RateCap = 50 });

        // 8 users against a fast target manage thousands a second; the cap allows 50 (one more may round in).
        report.Iterations.Requests.ShouldBeInRange(10, 51);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Errors_are_counted_by_kind()
    {
        using var slow = Http(path: "/slow?ms=2000");
        var timeouts = await LoadRunner.RunAsync(new LoadPlan(slow, LoadModel.Closed(2))
        {
            Duration = TimeSpan.FromSeconds(0.5),
            RequestTimeout = TimeSpan.FromMilliseconds(200),
        });
        timeouts.Iterations.Errors.ShouldContainKey("timeout");
        timeouts.Iterations.Ok.ShouldBe(0);

        using var missing = Http(path: "/nowhere");
        var notFound = await LoadRunner.RunAsync(new LoadPlan(missing, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(0.3) });
        notFound.Iterations.StatusCodes.Keys.ShouldBe(["404"]);
        notFound.Iterations.FailRate.ShouldBe(1);

        var closedPort = new TargetOptions { Url = new Uri($"http://127.0.0.1:{LocalProcesses.FreeLoopbackPort()}/") };
        using var refused = new ScenarioOptions { Name = "http", Target = closedPort }.Create();
        var refusals = await LoadRunner.RunAsync(new LoadPlan(refused, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(0.3) });
        refusals.Iterations.Errors.Keys.ShouldBe(["connection_refused"]);
        refusals.Passed.ShouldBeTrue(); // no threshold set: the verdict is the thresholds'
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task New_connections_open_one_connection_per_request()
    {
        using var scenario = Http(newConnections: true);
        var report = await LoadRunner.RunAsync(new LoadPlan(scenario, LoadModel.Closed(2)) { Duration = TimeSpan.FromSeconds(0.5), MaxRequests = 100 });

        report.Scenario.ShouldBe("http-new-connections");
        report.Iterations.Failed.ShouldBe(0);
        _target.Connections.ShouldBe((int)_target.Requests);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Echo_and_exec_send_their_bodies()
    {
        using var echo = Create("echo", size: 4096);
        var echoed = await LoadRunner.RunAsync(new LoadPlan(echo, LoadModel.Closed(2)) { Duration = TimeSpan.FromSeconds(0.3) });
        echoed.Iterations.Failed.ShouldBe(0);
        echoed.Iterations.BytesSent.ShouldBe(echoed.Iterations.Requests * 4096);

        using var exec = Create("exec");
        var executed = await LoadRunner.RunAsync(new LoadPlan(exec, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(0.3) });
        executed.Steps.ShouldHaveSingleItem().Name.ShouldBe("exec");
        executed.Iterations.Failed.ShouldBe(0);
        JsonDocument.Parse(_target.LastExecBody!).RootElement.GetProperty("command").GetString().ShouldBe("true");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Exec_sends_the_timeout_it_is_given()
    {
        using var exec = new ScenarioOptions
        {
            Name = "exec",
            Target = new TargetOptions { Url = _target.Url },
            Command = "sleep 30",
            ExecTimeout = TimeSpan.FromMilliseconds(200),
        }.Create();
        var report = await LoadRunner.RunAsync(new LoadPlan(exec, LoadModel.Closed(1)) { Duration = TimeSpan.FromSeconds(5), MaxRequests = 1 });

        report.Iterations.Failed.ShouldBe(0);
        var body = JsonDocument.Parse(_target.LastExecBody!).RootElement;
        body.GetProperty("command").GetString().ShouldBe("sleep 30");
        body.GetProperty("timeout_ms").GetInt64().ShouldBe(200);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Websocket_echo_keeps_sockets_open_and_the_storm_reconnects()
    {
        using var echo = Create("ws-echo", size: 1000);
        var echoed = await LoadRunner.RunAsync(new LoadPlan(echo, LoadModel.Closed(4)) { Duration = TimeSpan.FromSeconds(0.5) });
        echoed.Iterations.Failed.ShouldBe(0);
        echoed.Steps.Single(s => s.Name == "connect").Requests.ShouldBe(4);
        var messages = echoed.Steps.Single(s => s.Name == "echo");
        messages.Requests.ShouldBeGreaterThan(20);
        messages.BytesReceived.ShouldBe(messages.Requests * 1000);

        using var storm = Create("ws-storm");
        var stormed = await LoadRunner.RunAsync(new LoadPlan(storm, LoadModel.Closed(2)) { Duration = TimeSpan.FromSeconds(0.5) });
        stormed.Iterations.Failed.ShouldBe(0);
        stormed.Steps.Select(s => s.Name).ShouldBe(["connect", "echo", "close"]);
        stormed.Steps.Select(s => s.Requests).Distinct().ShouldHaveSingleItem().ShouldBe(stormed.Iterations.Requests);
        stormed.Steps[0].StatusCodes.ShouldBe(new Dictionary<string, long> { ["101"] = stormed.Iterations.Requests });
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Warm_up_iterations_are_not_measured()
    {
        using var scenario = Http();
        var plan = new LoadPlan(scenario, LoadModel.Open(100)) { Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(0.5) };
        var report = await LoadRunner.RunAsync(plan);

        // The open model issues every scheduled arrival, late ones too: 50 in each phase. The target
        // saw the warm-up's as well; how many more it saw depends on the machine's load (a CI run
        // once counted 135), so only the warm-up's share is asserted.
        report.Iterations.Requests.ShouldBeInRange(40, 60);
        (_target.Requests - report.Iterations.Requests).ShouldBeGreaterThanOrEqualTo(40);
    }

    private IScenario Http(string? path = null, int size = 32, int connections = 4, bool newConnections = false) =>
        Create("http", path, size, connections, newConnections);

    private IScenario Create(string name, string? path = null, int size = 32, int connections = 4, bool newConnections = false) =>
        new ScenarioOptions
        {
            Name = name,
            Target = new TargetOptions { Url = _target.Url },
            Path = path,
            Size = size,
            Connections = connections,
            NewConnections = newConnections,
        }.Create();

    /// <summary>Wraps a scenario so one iteration blocks the calling thread, as a client-side pause would.</summary>
    private sealed class StallingScenario(IScenario inner, TimeSpan stall, int stallAt) : IScenario
    {
        private int _iterations;

        public string Name => inner.Name;

        public IReadOnlyList<string> Steps => inner.Steps;

        public Target Target => inner.Target;

        public IScenarioSession CreateSession() => new Session(this, inner.CreateSession());

        public void Dispose() => inner.Dispose();

        private sealed class Session(StallingScenario owner, IScenarioSession inner) : IScenarioSession
        {
            public ValueTask RunIterationAsync(VirtualUser user)
            {
                if (Interlocked.Increment(ref owner._iterations) == owner.StallAt)
                {
                    Thread.Sleep(owner.Stall);
                }
                return inner.RunIterationAsync(user);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private TimeSpan Stall => stall;

        private int StallAt => stallAt;
    }
}

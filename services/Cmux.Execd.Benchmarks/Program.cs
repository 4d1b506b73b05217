using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Cmux.Execd;
using Cmux.Execd.Exec;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

// Bounded: a fixed number of execs of `true`, sequentially (seed and cmux profiles) and 16 at a
// time (seed), against execd on 127.0.0.1 (ephemeral ports), and the same number of
// `/bin/bash -c true` started directly: the floor execd cannot beat on this machine. The modes are
// interleaved (one of each in turn; 16-at-a-time rounds alternate), so that on a shared, noisy
// machine they see the same load, and the ratios are what to compare across runs. Two more
// sequential modes split execd's time: its CommandRunner called in-process (the spawn, pipes, poll
// and reaping, no HTTP) and an /exec that is refused after its body is read and parsed (HTTP and
// JSON, no spawn: {"command":""} is a 400).
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
const int Concurrency = 16;
const int Rounds = 4;

var workspace = Directory.CreateTempSubdirectory("cmux-execd-bench-").FullName;
var seed = await StartAsync("seed");
var cmux = await StartAsync("cmux");
try
{
    using var seedHttp = new HttpClient { BaseAddress = Address(seed) };
    using var cmuxHttp = new HttpClient { BaseAddress = Address(cmux) };
    for (var i = 0; i < 20; i++) // warm-up: JIT, connection pools
    {
        await ExecAsync(seedHttp);
        await ExecAsync(cmuxHttp);
        await SpawnBashAsync();
        await RunnerAsync();
        await RefusedAsync(seedHttp);
    }

    var (bash, seedSequential, cmuxSequential, runner, refused) = (new Run(), new Run(), new Run(), new Run(), new Run());
    for (var i = 0; i < count; i++)
    {
        await bash.TimeAsync(SpawnBashAsync);
        await seedSequential.TimeAsync(() => ExecAsync(seedHttp));
        await cmuxSequential.TimeAsync(() => ExecAsync(cmuxHttp));
        await runner.TimeAsync(RunnerAsync);
        await refused.TimeAsync(() => RefusedAsync(seedHttp));
    }
    var (bashParallel, seedParallel) = (new Run(), new Run());
    for (var round = 0; round < Rounds; round++)
    {
        await bashParallel.ConcurrentlyAsync(count / Rounds, Concurrency, SpawnBashAsync);
        await seedParallel.ConcurrentlyAsync(count / Rounds, Concurrency, () => ExecAsync(seedHttp));
    }

    var floor = bash.Report("bash directly");
    var seedP50 = seedSequential.Report("sequential");
    var cmuxP50 = cmuxSequential.Report("cmux sequential");
    var runnerP50 = runner.Report("runner, no HTTP");
    var refusedP50 = refused.Report("HTTP+JSON, no spawn");
    bashParallel.Report($"bash, {Concurrency} at a time");
    seedParallel.Report($"{Concurrency} at a time");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"execd p50 / bash p50 = {seedP50 / floor:F2} (seed), {cmuxP50 / floor:F2} (cmux); issue 17 asks <= 1.20"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"where the seed p50 goes: runner (spawn, pipes, poll, reap) {runnerP50:F2} ms = {runnerP50 / floor:F2} x bash; HTTP+JSON round trip {refusedP50:F2} ms; the rest {seedP50 - runnerP50 - refusedP50:F2} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"execd execs/s / bash spawns/s, {Concurrency} at a time = {seedParallel.PerSecond / bashParallel.PerSecond:F2}"));
}
finally
{
    await seed.StopAsync();
    await cmux.StopAsync();
    Directory.Delete(workspace, recursive: true);
}

async Task<WebApplication> StartAsync(string profile)
{
    var app = ExecdApplication.Build(["--urls=http://127.0.0.1:0", $"--Execd:Profile={profile}", $"--Execd:Workspace={workspace}", $"--Execd:Home={workspace}",
        $"--Execd:TokenFiles:0={Path.Combine(workspace, "no-token")}", "--Logging:LogLevel:Default=Warning"]);
    await app.StartAsync();
    return app;
}

static Uri Address(WebApplication app) =>
    new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

static async Task ExecAsync(HttpClient http)
{
    using var response = await http.PostAsJsonAsync("/exec", new { command = "true" });
    response.EnsureSuccessStatusCode();
}

async Task RunnerAsync()
{
    var spec = new CommandSpec("true", workspace, ChildEnvironment.Inherited, null, TimeSpan.FromMilliseconds(100));
    var result = await new CommandRunner().RunAsync(spec, static (_, _) => ValueTask.CompletedTask, CancellationToken.None);
    if (result.ExitCode != 0)
    {
        throw new InvalidOperationException($"true exited {result.ExitCode}: {result.Error}");
    }
}

static async Task RefusedAsync(HttpClient http)
{
    using var response = await http.PostAsJsonAsync("/exec", new { command = "" });
    if (response.StatusCode != System.Net.HttpStatusCode.BadRequest)
    {
        throw new InvalidOperationException($"expected 400 for an empty command, got {(int)response.StatusCode}");
    }
}

static async Task SpawnBashAsync()
{
    using var process = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", "true"]))!;
    await process.WaitForExitAsync();
}

/// <summary>Latencies of one mode and the wall time spent in it.</summary>
internal sealed class Run
{
    private readonly List<double> _latenciesMs = [];
    private TimeSpan _elapsed;

    public double PerSecond => _latenciesMs.Count / _elapsed.TotalSeconds;

    public async Task TimeAsync(Func<Task> operation)
    {
        var one = Stopwatch.StartNew();
        await operation();
        _latenciesMs.Add(one.Elapsed.TotalMilliseconds);
        _elapsed += one.Elapsed;
    }

    public async Task ConcurrentlyAsync(int count, int concurrency, Func<Task> operation)
    {
        var remaining = count;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var one = Stopwatch.StartNew();
                await operation();
                lock (_latenciesMs)
                {
                    _latenciesMs.Add(one.Elapsed.TotalMilliseconds);
                }
            }
        }));
        _elapsed += total.Elapsed;
    }

    /// <summary>Prints p50, p99 and execs/s; returns p50 in ms.</summary>
    public double Report(string mode)
    {
        var sorted = _latenciesMs.Order().ToList();
        double Percentile(double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode,-20} n={sorted.Count}  p50={Percentile(0.50):F2} ms  p99={Percentile(0.99):F2} ms  {PerSecond:F0} execs/s"));
        return Percentile(0.50);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Cmux.Execd;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

// Bounded: a fixed number of execs of `true`, sequentially and 16 at a time, against execd on
// 127.0.0.1 (an ephemeral port). Prints p50/p99 latency and execs per second for each, and the
// same for starting `/bin/bash -c true` directly, the floor execd cannot beat on this machine:
// the ratio between the two is what to compare across runs on a shared, noisy machine.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
const int Concurrency = 16;

var workspace = Directory.CreateTempSubdirectory("cmux-execd-bench-").FullName;
var app = ExecdApplication.Build(["--urls=http://127.0.0.1:0", $"--Execd:Workspace={workspace}", $"--Execd:Home={workspace}", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
try
{
    var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
    using var http = new HttpClient { BaseAddress = new Uri(address) };
    await RunAsync(20, 1, () => ExecAsync(http)); // warm-up: JIT, connection pool
    var baseline = Report("bash directly", await RunAsync(count, 1, SpawnBashAsync));
    var sequential = Report("sequential", await RunAsync(count, 1, () => ExecAsync(http)));
    Report($"{Concurrency} at a time", await RunAsync(count, Concurrency, () => ExecAsync(http)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"execd p50 / bash p50 = {sequential / baseline:F2}"));
}
finally
{
    await app.StopAsync();
    Directory.Delete(workspace, recursive: true);
}

static async Task ExecAsync(HttpClient http)
{
    using var response = await http.PostAsJsonAsync("/exec", new { command = "true" });
    response.EnsureSuccessStatusCode();
}

static async Task SpawnBashAsync()
{
    using var process = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", "true"]))!;
    await process.WaitForExitAsync();
}

static async Task<(List<double> LatenciesMs, TimeSpan Elapsed)> RunAsync(int count, int concurrency, Func<Task> operation)
{
    var latencies = new List<double>(count);
    var remaining = count;
    var total = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Decrement(ref remaining) >= 0)
        {
            var one = Stopwatch.StartNew();
            await operation();
            lock (latencies)
            {
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }
    }));
    return (latencies, total.Elapsed);
}

static double Report(string mode, (List<double> LatenciesMs, TimeSpan Elapsed) run)
{
    var sorted = run.LatenciesMs.Order().ToList();
    double Percentile(double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode,-14} n={sorted.Count}  p50={Percentile(0.50):F2} ms  p99={Percentile(0.99):F2} ms  {sorted.Count / run.Elapsed.TotalSeconds:F0} execs/s"));
    return Percentile(0.50);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Cmux.Router.Routing;
using Xunit.Abstractions;

namespace Cmux.Router.Tests.Differential.Generative;

/// <summary>
/// Generated requests (<see cref="RequestGrammar"/>) to Caddy and to our router, in both profiles,
/// with a fresh seed each run unless <c>CMUX_DIFF_SEED</c> names one. Fails on any difference no
/// <see cref="GeneratedAllowances"/> entry covers, and on an entry that covered none.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class GenerativeDifferentialTests(RouterDifferentialFixture proxies, ITestOutputHelper output)
{
    public const string SeedVariable = "CMUX_DIFF_SEED";
    public const int CasesPerProfile = 500;

    /// <summary>A file to write every unexpected difference to, not only the first few, when studying a run.</summary>
    public const string DumpVariable = "CMUX_DIFF_DUMP";

    // Each case has its own connection (a malformed request may end one, and a case must not see
    // the state another left), a few at a time: both proxies and the sandbox serve them concurrently.
    private const int Parallelism = 4;
    private const int ReportedCases = 20;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    [Trait(Category.Name, Category.Differential)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Router_answers_generated_requests_as_caddy_does()
    {
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var replay = $"{SeedVariable}={seed} dotnet test services/Cmux.Router.Tests -c Release --filter \"FullyQualifiedName~{nameof(GenerativeDifferentialTests)}\"";
        output.WriteLine($"seed {seed}; replay with: {replay}");

        var clock = Stopwatch.StartNew();
        var results = new List<CasePair>();
        foreach (var profile in (RouterProfile[])[RouterProfile.Seed, RouterProfile.Cmux])
        {
            results.AddRange(await RunAsync(proxies.For(profile), seed));
        }
        clock.Stop();

        var usage = GeneratedAllowances.All.ToDictionary(a => a, _ => 0);
        var unexpected = new List<(CasePair Result, List<string> Lines)>();
        foreach (var result in results)
        {
            var lines = new List<string>();
            foreach (var aspect in result.Caddy.Keys.Union(result.Router.Keys).Order(StringComparer.Ordinal))
            {
                var c = result.Caddy.GetValueOrDefault(aspect);
                var r = result.Router.GetValueOrDefault(aspect);
                if (c == r)
                {
                    continue;
                }
                // Every entry that covers the difference is credited, so that none looks stale only
                // because another class also explains the same case.
                var covering = GeneratedAllowances.All.Where(a => a.Covers(result, aspect)).ToList();
                covering.ForEach(a => usage[a]++);
                if (covering.Count == 0)
                {
                    lines.Add($"{aspect} = caddy '{Shorten(c)}', router '{Shorten(r)}'");
                }
            }
            if (lines.Count > 0)
            {
                unexpected.Add((result, lines));
            }
        }

        output.WriteLine($"{results.Count(r => r.Profile == RouterProfile.Seed)} seed cases, "
            + $"{results.Count(r => r.Profile == RouterProfile.Cmux)} cmux cases in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (allowance, count) in usage)
        {
            output.WriteLine($"allowed {count,4}x {allowance}: {allowance.Reason}");
        }
        var report = new StringBuilder();
        foreach (var group in unexpected.GroupBy(u => string.Join(", ", u.Lines.Select(l => l[..l.IndexOf(" = ", StringComparison.Ordinal)]))).OrderByDescending(g => g.Count()))
        {
            report.AppendLine($"{group.Count()} cases differ in {group.Key}");
        }
        foreach (var (result, lines) in unexpected.Take(ReportedCases))
        {
            report.AppendLine($"--- {result.Profile} case #{result.Case.Index} [{string.Join(" ", result.Case.Tags)}]");
            report.AppendLine($"request: {result.Case.Escaped}");
            report.AppendLine(string.Join("\n", lines));
            report.AppendLine($"caddy:  {Describe(result.Caddy)}");
            report.AppendLine($"router: {Describe(result.Router)}");
        }
        if (unexpected.Count > 0)
        {
            output.WriteLine(report.ToString());
        }
        if (Environment.GetEnvironmentVariable(DumpVariable) is { Length: > 0 } dump)
        {
            await File.WriteAllLinesAsync(dump, unexpected.Select(u =>
                $"{u.Result.Profile} #{u.Result.Case.Index} [{string.Join(" ", u.Result.Case.Tags)}]\n  {u.Result.Case.Escaped}\n  "
                + string.Join("\n  ", u.Lines) + $"\n  caddy:  {Describe(u.Result.Caddy)}\n  router: {Describe(u.Result.Router)}"));
        }

        // An entry is stale when the situation it describes arose and no difference showed; one whose
        // situation the seed did not produce says nothing either way (and would make rare classes flaky).
        var exercised = GeneratedAllowances.All.Where(a => results.Any(a.IsExercisedBy)).ToHashSet();
        foreach (var idle in GeneratedAllowances.All.Where(a => !exercised.Contains(a)))
        {
            output.WriteLine($"not exercised by this seed: {idle}");
        }
        foreach (var (allowance, _) in usage.Where(u => u.Value == 0 && exercised.Contains(u.Key) && u.Key.Intermittent is not null))
        {
            output.WriteLine($"situation arose, difference did not (intermittent: {allowance.Intermittent}): {allowance}");
        }
        var stale = usage.Where(u => u.Value == 0 && exercised.Contains(u.Key) && u.Key.Intermittent is null).Select(u => u.Key.ToString()).ToList();
        if (Environment.GetEnvironmentVariable(DumpVariable) is { Length: > 0 } staleDump)
        {
            // What a stale entry's situation looked like, to tell a gone difference from a situation drawn too wide.
            await File.AppendAllLinesAsync(staleDump, usage.Where(u => u.Value == 0 && exercised.Contains(u.Key)).SelectMany(u =>
                results.Where(u.Key.IsExercisedBy).Take(5).Select(r =>
                    $"stale {u.Key}: {r.Profile} #{r.Case.Index} [{string.Join(" ", r.Case.Tags)}]\n  caddy:  {Describe(r.Caddy)}\n  router: {Describe(r.Router)}")));
        }
        unexpected.ShouldBeEmpty($"{unexpected.Count} generated cases differ from Caddy outside the allow-list "
            + $"(seed {seed}; replay: {replay}):\n{report}");
        stale.ShouldBeEmpty($"allow-list entries whose situation arose but covered no difference (seed {seed}); remove them:\n"
            + string.Join("\n", stale));
    }

    private async Task<List<CasePair>> RunAsync(ProxyPair pair, int seed)
    {
        var grammar = new RequestGrammar(pair.Profile);
        var random = new Random(seed);
        var cases = Enumerable.Range(0, CasesPerProfile).Select(i => grammar.Generate(random, i)).ToList();
        var results = new ConcurrentBag<CasePair>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (generated, _) =>
        {
            var caddy = ObserveAsync(pair.Caddy, generated);
            var router = ObserveAsync(pair.Router, generated);
            results.Add(new CasePair(pair.Profile, generated, await caddy, await router));
        });
        return [.. results.OrderBy(r => r.Case.Index)];
    }

    private static async Task<SortedDictionary<string, string>> ObserveAsync(IPEndPoint proxy, GeneratedCase generated)
    {
        using var cts = new CancellationTokenSource(CaseTimeout);
        try
        {
            return await Observation.ObserveAsync(proxy, generated.Case, cts.Token, generative: true);
        }
        catch (OperationCanceledException)
        {
            return new(StringComparer.Ordinal) { ["error"] = "timeout" };
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException)
        {
            return new(StringComparer.Ordinal) { ["error"] = "closed" };
        }
    }

    private static string Describe(IReadOnlyDictionary<string, string> aspects) =>
        string.Join("; ", aspects.Select(a => $"{a.Key}={Shorten(a.Value)}"));

    private static string? Shorten(string? value) => value is { Length: > 160 } ? value[..160] + "..." : value;

}

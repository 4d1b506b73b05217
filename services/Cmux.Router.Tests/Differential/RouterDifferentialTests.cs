using Xunit.Abstractions;

namespace Cmux.Router.Tests.Differential;

/// <summary>
/// Each case goes to Caddy and to our router; every aspect that differs must be in
/// <see cref="AllowedDifferences"/> (and is reported with its reason), and every case-specific
/// allowance must still be needed.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class RouterDifferentialTests(RouterDifferentialFixture proxies, ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    [Theory]
    [Trait(Category.Name, Category.Differential)]
    [Trait(Feature.Name, Feature.Router)]
    [MemberData(nameof(RouterCases.Names), MemberType = typeof(RouterCases))]
    public async Task Router_answers_as_caddy_does(string name)
    {
        var routerCase = RouterCases.Get(name);
        using var cts = new CancellationTokenSource(CaseTimeout);
        var caddy = await Observation.ObserveAsync(proxies.Caddy, routerCase, cts.Token);
        var router = await Observation.ObserveAsync(proxies.Router, routerCase, cts.Token);

        var allowances = AllowedDifferences.For(name).ToList();
        var used = new HashSet<AllowedDifference>();
        var unexpected = new List<string>();
        foreach (var aspect in caddy.Keys.Union(router.Keys).Order(StringComparer.Ordinal))
        {
            var c = caddy.GetValueOrDefault(aspect);
            var r = router.GetValueOrDefault(aspect);
            if (c == r)
            {
                continue;
            }
            var line = $"{aspect}: caddy '{Shorten(c)}', router '{Shorten(r)}'";
            if (allowances.FirstOrDefault(a => a.Covers(name, aspect)) is { } allowed)
            {
                used.Add(allowed);
                output.WriteLine($"allowed  {line}\n         because {allowed.Reason}");
            }
            else
            {
                unexpected.Add(line);
            }
        }
        output.WriteLine($"caddy:  {string.Join("; ", caddy.Select(a => $"{a.Key}={Shorten(a.Value)}"))}");
        output.WriteLine($"router: {string.Join("; ", router.Select(a => $"{a.Key}={Shorten(a.Value)}"))}");

        var stale = allowances.Where(a => a.Case != AllowedDifference.Any && !used.Contains(a)).ToList();
        unexpected.ShouldBeEmpty($"differences from Caddy not in the allow-list:\n{string.Join("\n", unexpected)}");
        stale.ShouldBeEmpty("allow-list entries whose difference no longer shows (remove them)");
    }

    private static string? Shorten(string? value) => value is { Length: > 160 } ? value[..160] + "..." : value;
}

using Cmux.Router.Routing;

namespace Cmux.Router.Tests.Differential.Generative;

/// <summary>
/// The stale check of the generative differential rests on one property: an entry is exercised by a
/// request's shape, whatever the proxies answered. Were the outcome part of it, an entry whose
/// difference disappeared would look idle instead of stale, and stay on the list for ever.
/// </summary>
public sealed class GeneratedAllowanceTests
{
    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void An_entry_whose_situation_arose_without_its_difference_is_exercised_but_covers_nothing()
    {
        var grammar = new RequestGrammar(RouterProfile.Seed);
        var random = new Random(1);
        var cases = Enumerable.Range(0, 2000).Select(i => grammar.Generate(random, i)).ToList();
        var agreeing = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["status"] = "200", ["connection"] = "", ["body"] = "x", ["content-type"] = "text/plain",
            ["error"] = "", ["interim"] = "", ["upstream.method"] = "GET",
            ["upstream.header:content-length"] = "", ["upstream.header:user-agent"] = "gen/1",
            ["upstream.header:x-hop"] = "", ["upstream.header:x-other"] = "",
            ["upstream.header:accept-encoding"] = "", ["upstream.header:via"] = "",
        };

        var idle = new List<string>();
        var covering = new List<string>();
        foreach (var allowance in GeneratedAllowances.All)
        {
            // Both proxies answered alike: the difference this entry allows did not show.
            var pairs = cases.Where(allowance.Situation).Select(c => new CasePair(RouterProfile.Seed, c, agreeing, agreeing)).ToList();
            if (!pairs.Any(allowance.IsExercisedBy))
            {
                idle.Add(allowance.ToString());
            }
            if (pairs.Any(p => agreeing.Keys.Any(aspect => allowance.Covers(p, aspect) && allowance.Outcome is not null)))
            {
                covering.Add(allowance.ToString());
            }
        }

        idle.ShouldBeEmpty("entries 2000 generated requests never put in their situation, so they could never be found stale");
        // An entry without an outcome covers any aspect it names in its situation; one with an outcome
        // must not find it in answers that agree.
        covering.ShouldBeEmpty("entries whose outcome holds of answers that agree");
    }
}

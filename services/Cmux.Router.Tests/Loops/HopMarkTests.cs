using Cmux.Router.Loops;
using Microsoft.Extensions.Primitives;

namespace Cmux.Router.Tests.Loops;

public sealed class HopMarkTests
{
    private static readonly HopMark Mark = new("00ff00ff00ff00ff");

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("1.1 cmux-router-00ff00ff00ff00ff", true)]
    [InlineData("1.0 edge, 1.1 cmux-router-00ff00ff00ff00ff (via the tunnel)", true)]
    [InlineData("HTTP/1.1   cmux-router-00ff00ff00ff00ff", true)]
    [InlineData("1.1 cmux-router-00ff00ff00ff00f", false)]
    [InlineData("1.1 cmux-router-00ff00ff00ff00ffaa", false)]
    [InlineData("1.1 cmux-router-1111111111111111", false)]
    [InlineData("cmux-router-00ff00ff00ff00ff", false)]
    [InlineData("", false)]
    public void Recognises_only_its_own_entry(string via, bool own) =>
        Mark.IsOwn(new StringValues(via)).ShouldBe(own);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Each_process_gets_its_own_id()
    {
        var one = new HopMark();
        var other = new HopMark();
        one.Pseudonym.ShouldNotBe(other.Pseudonym);
        one.IsOwn(other.Entry).ShouldBeFalse();
        one.IsOwn(one.Entry).ShouldBeTrue();
    }
}

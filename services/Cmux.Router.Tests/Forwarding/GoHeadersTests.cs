using Cmux.Router.Forwarding;
using Microsoft.AspNetCore.Http;

namespace Cmux.Router.Tests.Forwarding;

public sealed class GoHeadersTests
{
    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("X-Ok", false)]
    [InlineData("x_under.dot~tick`", false)]
    [InlineData("X-Bad\u0001", true)]
    [InlineData("X(Paren)", true)]
    [InlineData("X-Café", true)]
    public void A_name_outside_the_token_characters_is_invalid(string name, bool invalid)
    {
        var headers = new HeaderDictionary { [name] = "v" };
        GoHeaders.HasInvalidName(headers).ShouldBe(invalid);
    }
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Morph.Api;

/// <summary>The API keys Morph accepts as <c>Authorization: Bearer &lt;key&gt;</c>, for the API and api_key services.</summary>
public sealed class ApiKeys(IOptions<MorphOptions> options)
{
    private const string Scheme = "Bearer ";

    public bool Authorizes(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return options.Value.ApiKeys.Any(key => CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key)));
    }
}

/// <summary>Answers 401 before any API endpoint runs when the key is missing or wrong.</summary>
public sealed class ApiKeyFilter(ApiKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        keys.Authorizes(context.HttpContext.Request) ? await next(context) : MorphErrors.Unauthorized();
}

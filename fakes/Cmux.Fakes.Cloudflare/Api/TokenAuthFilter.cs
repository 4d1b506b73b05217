using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Cloudflare.Api;

/// <summary>
/// <c>Authorization: Bearer</c> with one of the configured tokens, and only this fake's account
/// and zone: a token scoped elsewhere is refused as Cloudflare refuses it.
/// </summary>
public sealed class TokenAuthFilter(IOptions<CloudflareOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 6003, "Invalid request headers: missing Authorization: Bearer <token>");
        }
        if (!options.Value.Tokens.Contains(header["Bearer ".Length..].Trim(), StringComparer.Ordinal))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, 10000, "Authentication error");
        }
        var routeValues = request.RouteValues;
        if (routeValues.TryGetValue("accountId", out var account) && !Equals(account, options.Value.AccountId)
            || routeValues.TryGetValue("zoneId", out var zone) && !Equals(zone, options.Value.ZoneId))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, 9109, "Unauthorized to access requested resource");
        }
        return await next(context);
    }
}

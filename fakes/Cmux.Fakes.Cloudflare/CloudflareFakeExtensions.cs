using Cmux.Fakes.Cloudflare.Access;
using Cmux.Fakes.Cloudflare.Api;
using Cmux.Fakes.Cloudflare.Dns;
using Cmux.Fakes.Cloudflare.Faults;
using Cmux.Fakes.Cloudflare.Tunnels;

namespace Cmux.Fakes.Cloudflare;

public static class CloudflareFakeExtensions
{
    /// <summary>The base path of API v4, as on <c>api.cloudflare.com</c>.</summary>
    public const string BasePath = "/client/v4";

    public static TBuilder AddCloudflareFake<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<CloudflareOptions>().Bind(builder.Configuration.GetSection(CloudflareOptions.Section))
            .Validate(o => o.Tokens.Length > 0 && o.Tokens.All(t => !string.IsNullOrWhiteSpace(t)), "Cloudflare:Tokens needs at least one non-empty token")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccountId) && !string.IsNullOrWhiteSpace(o.ZoneId) && !string.IsNullOrWhiteSpace(o.ZoneName),
                "Cloudflare:AccountId, ZoneId and ZoneName must be set")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TunnelStore>();
        builder.Services.AddSingleton<DnsStore>();
        builder.Services.AddSingleton<AccessStore>();
        builder.Services.AddSingleton<FaultInjector>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCloudflareApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(BasePath).AddEndpointFilter<TokenAuthFilter>().AddEndpointFilter<FaultFilter>();
        api.MapTunnelEndpoints();
        api.MapDnsEndpoints();
        api.MapAccessEndpoints();
        // Anything else under the API answers in the envelope, as Cloudflare does, rather than with an empty 404.
        api.Map("{**rest}", () => ApiResults.Error(StatusCodes.Status400BadRequest, 7000, "No route for that URI"));
        return endpoints;
    }
}

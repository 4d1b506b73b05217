using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cmux.AppHost.Composition;

/// <summary>
/// Real systems in the composition: each is an external service in the dashboard whose health
/// check uses the token (a secret parameter, <c>Parameters:{name}</c> in user secrets or the
/// environment, never in a file of the repository), so a wrong token shows as unhealthy at once.
/// </summary>
internal static class RealEndpoints
{
    /// <summary>A real PVE API; the token is <c>user@realm!name=secret</c> in the parameter <c>pve-token</c>.</summary>
    public static IResourceBuilder<IResource> AddPve(IDistributedApplicationBuilder builder, Uri url)
    {
        var token = builder.AddParameter("pve-token", secret: true);
        var insecure = bool.TryParse(builder.Configuration["Cmux:PveInsecure"], out var i) && i;
        var version = new Uri(url, "/api2/json/version");
        AddTokenCheck(builder, "pve-api-token", version, token.Resource, insecure,
            (request, value) => request.Headers.Authorization = new AuthenticationHeaderValue("PVEAPIToken", value));
        return builder.AddExternalService("pve", url.GetLeftPart(UriPartial.Authority))
            .WithHealthCheck("pve-api-token");
    }

    /// <summary>The real Cloudflare API: the token, account, zone and domain are parameters.</summary>
    public static IResourceBuilder<IResource> AddCloudflare(IDistributedApplicationBuilder builder, Uri url,
        out IResourceBuilder<ParameterResource> token, out IResourceBuilder<ParameterResource> account,
        out IResourceBuilder<ParameterResource> zone, out IResourceBuilder<ParameterResource> domain)
    {
        token = builder.AddParameter("cloudflare-api-token", secret: true);
        account = builder.AddParameter("cloudflare-account-id");
        zone = builder.AddParameter("cloudflare-zone-id");
        domain = builder.AddParameter("cmux-domain");
        var verify = new Uri(url.ToString().TrimEnd('/') + "/user/tokens/verify");
        AddTokenCheck(builder, "cloudflare-api-token", verify, token.Resource, insecure: false,
            (request, value) => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value));
        return builder.AddExternalService("cloudflare", url.ToString())
            .WithHealthCheck("cloudflare-api-token");
    }

    public static IResourceBuilder<IResource> AddExternalRouter(IDistributedApplicationBuilder builder, Uri url) =>
        // Any answer is a router that answers: a Host no route claims gets its 404.
        builder.AddExternalService("router", url.GetLeftPart(UriPartial.Authority)).WithHttpHealthCheck("/", 404);

    private static void AddTokenCheck(IDistributedApplicationBuilder builder, string name, Uri url, ParameterResource token, bool insecure,
        Action<HttpRequestMessage, string> authorize) =>
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(name, _ => new TokenHealthCheck(url, token, insecure, authorize), null, null));

    private sealed class TokenHealthCheck(Uri url, ParameterResource token, bool insecure, Action<HttpRequestMessage, string> authorize) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var handler = new HttpClientHandler();
            if (insecure)
            {
                // PVE's certificate is self-signed; Cmux:PveInsecure=true is the explicit choice cmux makes.
                handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
            }
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            authorize(request, await token.GetValueAsync(cancellationToken) ?? "");
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                return response.IsSuccessStatusCode
                    ? HealthCheckResult.Healthy($"{url} takes the token")
                    : HealthCheckResult.Unhealthy($"{url} answered {(int)response.StatusCode} to the token");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{url} does not answer: {e.Message}");
            }
        }
    }
}

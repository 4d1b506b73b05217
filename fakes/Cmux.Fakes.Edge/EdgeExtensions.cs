using System.Security.Authentication;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Edge.Access;
using Cmux.Fakes.Edge.Forwarding;
using Cmux.Fakes.Edge.RemoteConfig;
using Cmux.Fakes.Edge.Tls;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Edge;

public static class EdgeExtensions
{
    /// <summary>Registers the edge and makes Kestrel's HTTPS endpoints serve its certificates (TLS 1.2 and 1.3, by SNI).</summary>
    public static WebApplicationBuilder AddCloudflareEdge(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(EdgeOptions.Section);
        builder.Services.AddOptions<EdgeOptions>().Bind(section)
            .Validate(o => new[] { o.Domain, o.ApiToken, o.AccountId, o.ZoneId }.All(v => !string.IsNullOrWhiteSpace(v)),
                "Edge:Domain, Edge:ApiToken, Edge:AccountId and Edge:ZoneId must be set")
            .Validate(o => o.RefreshInterval > TimeSpan.Zero && o.AccessCacheLifetime >= TimeSpan.Zero && o.WebSocketIdleTimeout > TimeSpan.Zero && o.OriginResponseTimeout > TimeSpan.Zero,
                "Edge:RefreshInterval, WebSocketIdleTimeout and OriginResponseTimeout must be positive")
            .ValidateOnStart();
        var certificates = EdgeCertificates.Load(builder.Configuration, section.Get<EdgeOptions>() ?? new EdgeOptions());
        builder.Services.AddSingleton(certificates);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            https.ServerCertificateSelector = (_, serverName) => certificates.Select(serverName);
        }));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpClient(nameof(CloudflareApiClient), (services, http) =>
        {
            var options = services.GetRequiredService<IOptions<EdgeOptions>>().Value;
            http.BaseAddress = new Uri(options.CloudflareApi.ToString().TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new("Bearer", options.ApiToken);
        });
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<EdgeOptions>>().Value;
            var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(CloudflareApiClient));
            return new CloudflareApiClient(http, options.AccountId, options.ZoneId);
        });
        builder.Services.AddSingleton<RemoteConfigPoller>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RemoteConfigPoller>());
        builder.Services.AddHealthChecks().AddCheck<RemoteConfigPoller>("cloudflare-remote-config");
        builder.Services.AddSingleton<AccessTokens>();
        builder.Services.AddSingleton<AccessCache>();
        builder.Services.AddSingleton<AccessGate>();
        builder.Services.AddSingleton<OriginInvokers>();
        builder.Services.AddHttpForwarder();
        return builder;
    }

    public static WebApplication UseCloudflareEdge(this WebApplication app)
    {
        app.UseMiddleware<EdgeMiddleware>();
        return app;
    }
}

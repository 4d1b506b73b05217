using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cmux.ServiceDefaults;

/// <summary>
/// What every service and fake shares: telemetry exported to the dashboard, and the
/// <c>/health</c> and <c>/alive</c> endpoints the AppHost waits on.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <summary>
    /// The port of the management endpoint (env <c>Management__Port</c>): when set, <c>/health</c> and
    /// <c>/alive</c> answer only on connections to this local port, never on the port that serves
    /// sandbox or API traffic, so a health probe cannot be mistaken for (or by) a public client.
    /// </summary>
    public const string ManagementPortKey = "Management:Port";

    /// <summary>Meters and activity sources of our own that every service exports.</summary>
    public static readonly string[] CmuxTelemetrySources = ["Cmux.*"];

    /// <summary>
    /// Categories that log a line per request at Information, with its URL: "Request starting GET
    /// http://.../exec?token=..." (the host), "Proxying to http://...?tkn=..." (YARP), "Sending HTTP
    /// request ..." (HttpClient). cmux's URLs carry tokens in the query, and on a proxy those lines
    /// are most of the log (464 MB in a 2-minute run). Their warnings and errors still come through.
    /// </summary>
    public static readonly IReadOnlyList<string> PerRequestCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.EndpointMiddleware",
        "Yarp.ReverseProxy.Forwarder",
        "System.Net.Http.HttpClient",
    ];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        foreach (var category in PerRequestCategories)
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Logs to OTLP, metrics and traces only when the AppHost (or the user) names an OTLP
        // endpoint: with no exporter, tracing still builds an activity per request and per upstream
        // call, and the metrics SDK still listens to every instrument and aggregates each
        // measurement, which a service deployed on its own (the router above all) pays on every
        // request for nothing.
        // The meters themselves stay: dotnet-counters and any other listener still see them.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });
            builder.Services.AddOpenTelemetry()
                .WithMetrics(metrics => metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(CmuxTelemetrySources))
                .WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(CmuxTelemetrySources)
                    // Health probes would drown the traces the dashboard is for.
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                        !ctx.Request.Path.StartsWithSegments(HealthPath) && !ctx.Request.Path.StartsWithSegments(AlivePath))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>The configured management port, or null when health shares the public port.</summary>
    public static int? ManagementPort(this IConfiguration configuration) =>
        int.TryParse(configuration[ManagementPortKey], System.Globalization.CultureInfo.InvariantCulture, out var port) && port > 0 ? port : null;

    /// <summary>Whether this request came in on the management port (always false without one).</summary>
    public static bool IsManagementRequest(this HttpContext context, int? managementPort) =>
        managementPort is { } port && context.Connection.LocalPort == port;

    /// <summary>Maps <c>/health</c> (every check) and <c>/alive</c> (liveness only), in every environment:
    /// the AppHost and the tests rely on them outside Development too. With a management port they
    /// answer there only (a middleware that matches the local port); elsewhere the app answers the
    /// path as it answers any other it does not know.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var live = new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") };
        if (app.Configuration.ManagementPort() is { } port)
        {
            app.UseHealthChecks(HealthPath, port);
            app.UseHealthChecks(AlivePath, port, live);
            return app;
        }
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, live);
        return app;
    }
}

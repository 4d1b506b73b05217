using Cmux.Router.Forwarding;
using Cmux.Router.Loops;
using Cmux.Router.Resolution;
using Cmux.Router.Routing;
using Cmux.Router.Telemetry;
using Cmux.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Cmux.Router;

public static class RouterServices
{
    /// <summary>The router as <c>Program</c> runs it, so that tests can run the same app in-process.</summary>
    public static WebApplication BuildRouter(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddRouter();
        var app = builder.Build();
        app.UseMiddleware<ProxyMiddleware>();
        app.UseRouting();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Caddy's listener in the seed is :8080.</summary>
    public const string DefaultUrl = "http://0.0.0.0:8080";

    /// <summary>Go's <c>http.DefaultMaxHeaderBytes</c>, which Caddy keeps: the request line and headers together.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    public static WebApplicationBuilder AddRouter(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.HttpPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Like Go: an absolute-form target's authority is the Host.
            kestrel.AllowHostHeaderOverride = true;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestLineSize = MaxHeaderBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = MaxHeaderBytes;
            // Go keeps header values as bytes and Caddy forwards them as received; Latin-1 maps each
            // byte to one char and back, so a UTF-8 (or any) value reaches the upstream unchanged.
            kestrel.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            kestrel.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            kestrel.ConfigureEndpointDefaults(listen => listen.UseHttp1MinorVersions());
        });

        var services = builder.Services;
        services.AddOptions<RouterOptions>()
            .BindConfiguration(RouterOptions.Section)
            .Validate(o => { o.Validate(); return true; })
            .ValidateOnStart();
        services.AddHttpForwarder();
        services.AddSingleton(sp => new HostRouter(sp.GetRequiredService<IOptions<RouterOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RouterOptions>>().Value;
            var hostsFile = options.HostsFile is { Length: > 0 } path ? new HostsFile(path, sp.GetRequiredService<ILogger<HostsFile>>()) : null;
            return new UpstreamConnector(hostsFile, options.HostsFileOnly, sp.GetRequiredService<SelfEndpoints>());
        });
        services.AddSingleton(sp => new UpstreamClient(sp.GetRequiredService<IOptions<RouterOptions>>().Value,
            sp.GetRequiredService<UpstreamConnector>()));
        services.AddSingleton<RouterTelemetry>();
        services.AddSingleton<SelfEndpoints>();
        services.AddSingleton<HopMark>();
        return builder;
    }
}

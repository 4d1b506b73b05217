using Cmux.Fakes.Pve.Admin;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Auth;
using Cmux.Fakes.Pve.Faults;
using Cmux.Fakes.Pve.Sandboxes;
using Cmux.Fakes.Pve.Schema;
using Cmux.Fakes.Pve.State;
using Cmux.Fakes.Pve.Tasks;
using Cmux.Fakes.Pve.Telemetry;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.RunPki;
using Cmux.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;

namespace Cmux.Fakes.Pve;

/// <summary>
/// Builds the fake: the PVE API on plain HTTP (for Aspire's health check and tests) and on HTTPS
/// (as real PVE on 8006), the admin endpoints, and 501 for everything else. Tests build it
/// in-process with their own arguments.
/// </summary>
public static class PveFakeApp
{
    /// <summary>The credentials a fresh fake accepts; every one is a setting (README.md).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Pve:Auth:Users:0:Name"] = "root@pam",
        ["Pve:Auth:Users:0:Password"] = "cmux-fake",
        ["Pve:Auth:Users:0:Privileges:0"] = Principal.AllPrivileges,
        ["Pve:Auth:Tokens:0:Id"] = "root@pam!cmux",
        ["Pve:Auth:Tokens:0:Secret"] = "5e2f1f8c-6a6c-4d4e-9a55-0c0ffee0c0de",
        ["Pve:Auth:Tokens:0:Privileges:0"] = Principal.AllPrivileges,
    };

    /// <summary>pveproxy's Server header.</summary>
    public const string ServerHeader = "pve-api-daemon/3.0";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Lowest precedence: any configuration source overrides these.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.AddServiceDefaults();

        var section = builder.Configuration.GetSection(PveFakeOptions.Section);
        var options = section.Get<PveFakeOptions>() ?? new PveFakeOptions();
        builder.Services.Configure<PveFakeOptions>(section);
        ConfigureListeners(builder, options);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(PveSchema.Load());
        builder.Services.AddSingleton<PveMetrics>();
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddSingleton<PveAuthenticator>();
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<TaskRunner>();
        builder.Services.AddSingleton<NodeGuard>();
        builder.Services.AddSingleton<ContainerViews>();
        builder.Services.AddSingleton<IApiEndpoints, NodeEndpoints>();
        builder.Services.AddSingleton<IApiEndpoints, ContainerEndpoints>();
        builder.Services.AddSingleton<IApiEndpoints, QemuEndpoints>();
        builder.Services.AddSingleton<IApiEndpoints, TaskEndpoints>();
        builder.Services.AddSingleton<ApiDispatcher>();

        var sandboxHost = SandboxHostUrl(builder.Configuration, options);
        if (sandboxHost is null)
        {
            builder.Services.AddSingleton(new SandboxLink(null));
        }
        else
        {
            builder.Services.AddHttpClient<SandboxHostClient>(http =>
            {
                http.BaseAddress = sandboxHost;
                // Starting a sandbox answers when every port listens; that can take a while.
                http.Timeout = TimeSpan.FromMinutes(2);
            });
            builder.Services.AddSingleton(sp => new SandboxLink(sp.GetRequiredService<SandboxHostClient>()));
        }

        var app = builder.Build();
        app.Use((context, next) =>
        {
            context.Response.Headers.Server = ServerHeader;
            return next(context);
        });
        app.MapDefaultEndpoints();
        app.MapAdminEndpoints();
        var api = app.Services.GetRequiredService<ApiDispatcher>();
        app.Map(ApiDispatcher.Prefix, api.HandleAsync);
        app.Map(ApiDispatcher.Prefix + "/{**path}", api.HandleAsync);
        app.MapFallback(context => PveResponse.WriteErrorAsync(context, PveException.NotImplemented(context.Request.Method, context.Request.Path)));

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PveFakeApp));
        app.Lifetime.ApplicationStarted.Register(() => logger.LogInformation(
            "PVE {Version} fake: node {Node}, template {Template}, sandbox host {SandboxHost}, listening on {Urls}",
            NodeEndpoints.Version, options.Node, options.TemplateVmid, sandboxHost?.ToString() ?? "none (containers without sandboxes)",
            string.Join(' ', app.Urls)));
        return app;
    }

    /// <summary><c>Pve:SandboxHost</c>, else the address Aspire gives the <c>sandboxes</c> resource, else none.</summary>
    private static Uri? SandboxHostUrl(IConfiguration configuration, PveFakeOptions options)
    {
        var url = options.SandboxHost;
        if (string.IsNullOrWhiteSpace(url))
        {
            url = configuration["services:sandboxes:http:0"];
        }
        return string.IsNullOrWhiteSpace(url) ? null : new Uri(url.TrimEnd('/') + "/");
    }

    /// <summary>
    /// The configured URLs (ASPNETCORE_URLS, --urls) stay as they are; <c>Pve:HttpsUrl</c> is added.
    /// Every HTTPS listener (ours or one Aspire adds) gets a certificate from the run's CA, or from
    /// a throwaway CA (as untrusted as PVE's self-signed one). HTTP/1.1 only, like pveproxy.
    /// </summary>
    private static void ConfigureListeners(WebApplicationBuilder builder, PveFakeOptions options)
    {
        using var ca = string.IsNullOrWhiteSpace(options.CaFolder)
            ? RunCertificateAuthority.Create([options.Node, $"{options.Node}.{options.SearchDomain}"])
            : RunCertificateAuthority.Load(options.CaFolder);
        var certificate = ca.IssueServerCertificate(
            [options.Node, $"{options.Node}.{options.SearchDomain}", "localhost"],
            [System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http1);
            kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
        });
        if (!string.IsNullOrWhiteSpace(options.HttpsUrl))
        {
            var urls = (builder.Configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
            urls.Add(options.HttpsUrl);
            builder.WebHost.UseUrls([.. urls]);
        }
    }
}
